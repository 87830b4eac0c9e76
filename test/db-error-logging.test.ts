// #15: a failed query's error names its SQL with placeholders, never the bound values (session
// ids, join codes and emails are bound values). Two sources: knex's `compileSqlOnError` (now
// off), and PGlite, whose errors carried the values as `params` — on the embedded database every
// logged query error held them. Checked on the error itself and on the line the app logs.
import request from 'supertest';
import pino from 'pino';
import { useTestDatabase } from './helpers/db';
import { capturingLogger, testApp } from './helpers/app';
import { SESSION_COOKIE } from '../src/web/session';

const db = useTestDatabase();
const SECRET = 'sid-7Hq2vXw9LmA4bZ8c'; // stands for any bound secret

describe('errors of failed queries', () => {
  it('carry the SQL with placeholders, not the bound values', async () => {
    const error = (await db
      .knex('no_such_table')
      .where({ sid: SECRET })
      .first()
      .catch((caught: unknown) => caught)) as Error;
    expect(error.message).toContain('no_such_table'); // the failure under test…
    expect(error.message).toContain('"sid" = $1');
    expect(JSON.stringify(pino.stdSerializers.err(error))).not.toContain(SECRET); // …without the value
  });

  it('log no session id when the session lookup fails', async () => {
    const { logger, lines } = capturingLogger();
    const app = testApp(db.db, { logger });
    const first = await request(app).get('/login').expect(200);
    const cookie = ([first.headers['set-cookie']].flat() as string[])
      .find((c) => c.startsWith(`${SESSION_COOKIE}=`))!
      .split(';')[0]!;
    const [sid] = await db.knex('sessions').pluck('sid');
    expect(cookie).toContain(sid); // the id the browser holds, signed
    await db.knex.raw('alter table sessions rename to sessions_away');
    try {
      await request(app).get('/login').set('Cookie', cookie).expect(500);
    } finally {
      await db.knex.raw('alter table sessions_away rename to sessions');
    }
    const logged = lines.find((line) => line.msg === 'request failed');
    expect(JSON.stringify(logged)).toContain('sessions'); // the lookup's error was logged…
    expect(JSON.stringify(lines)).not.toContain(sid); // …without the session id
  });
});
