// Finding #9 of issue #14, registration: users cannot register, or rename an app to, a name
// that poses as SeatShare itself (SPEC §3) — after NFKC, case, spacing and look-alikes.
import { posesAsSeatShare } from '../../src/oauth/client-names';
import { testApp } from '../helpers/app';
import { browser } from '../helpers/browser';
import { useTestDatabase } from '../helpers/db';
import { buildClient, buildUser } from '../factories';

const db = useTestDatabase();
const POSING = [
  'SeatShare',
  'Seat Share',
  'S3atShare',
  'ＳｅａｔＳｈａｒｅ',
  'seat-share official',
  'Sеаtѕhаrе' /* Cyrillic е, а, ѕ */,
  'Séat$hare',
];

async function signedIn() {
  const user = await buildUser(db.knex);
  const b = browser(testApp(db.db));
  await b.login(user.email);
  return { user, b };
}

describe('names that pose as SeatShare', () => {
  it.each(POSING)('reads %s as SeatShare', (name) => {
    expect(posesAsSeatShare(name)).toBe(true);
  });

  it.each(['Ticket Buddy', 'Seat Planner', 'Share my seats', 'Great Share'])('lets %s through', (name) => {
    expect(posesAsSeatShare(name)).toBe(false);
  });

  it('refuses to register them with a form error, and registers "Ticket Buddy"', async () => {
    const { user, b } = await signedIn();
    for (const name of POSING.slice(0, 4)) {
      const res = await b.submit('/developer/applications/new', '/developer/applications', {
        name,
        redirect_uris: 'https://app.example/cb',
        client_type: 'public',
      });
      expect(res.status).toBe(400);
      expect(res.text).toContain('must not pose as SeatShare');
    }
    expect(await db.knex('oauth_clients').first()).toBeUndefined();
    const ok = await b.submit('/developer/applications/new', '/developer/applications', {
      name: 'Ticket Buddy',
      redirect_uris: 'https://app.example/cb',
      client_type: 'public',
    });
    expect(ok.status).toBe(200);
    expect(await db.knex('oauth_clients').where({ owner_id: user.id }).first()).toMatchObject({ name: 'Ticket Buddy' });
  });

  it('refuses to rename an app to one', async () => {
    const { user, b } = await signedIn();
    const client = await buildClient(db.knex, { owner_id: user.id, name: 'Ticket Buddy' });
    const path = `/developer/applications/${client.id}`;
    const res = await b.submit(path, path, { name: 'Seat Share', redirect_uris: client.redirect_uris.join('\n') });
    expect(res.status).toBe(400);
    expect(res.text).toContain('must not pose as SeatShare');
    expect(await db.knex('oauth_clients').where({ id: client.id }).first()).toMatchObject({ name: 'Ticket Buddy' });
  });
});
