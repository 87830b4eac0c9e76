// A client generated from the OpenAPI document (SPEC §8: openapi-typescript + openapi-fetch)
// type-checks and works: the document is fetched from a live server, turned into types by the
// openapi-typescript CLI, a small client using them is compiled by tsc (its two "expect an
// error" directives make tsc fail if the types stopped catching a wrong body or path), and then
// run against the server.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { useTestDatabase } from '../helpers/db';
import { startLiveServer } from '../helpers/live-server';
import { buildPersonalToken, buildUser } from '../factories';

const db = useTestDatabase();

const CLIENT = `import createClient from 'openapi-fetch';
import type { paths } from './schema';

export async function run(baseUrl: string, token: string) {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: \`Token \${token}\` } });
  const me = await client.GET('/api/v1/users/me');
  const post = () =>
    client.POST('/api/v1/user_aliases', {
      body: { first_name: 'Gen', last_name: 'Erated' },
      params: { header: { 'Idempotency-Key': 'generated-client-1' } },
    });
  const created = await post();
  const retried = await post();
  const aliases = await client.GET('/api/v1/user_aliases', { params: { query: { limit: 10 } } });
  return {
    me: me.data?.display_name,
    created: { status: created.response.status, id: created.data?.id },
    retried: { status: retried.response.status, id: retried.data?.id },
    aliases: aliases.data?.map((alias) => alias.display_name),
  };
}

/** Never called: for tsc only, which fails on an unused @ts-expect-error. */
export function wrongCalls(client: ReturnType<typeof createClient<paths>>) {
  // @ts-expect-error a name is a string: the types say so, as the API does
  void client.POST('/api/v1/user_aliases', { body: { first_name: 'A', last_name: 42 } });
  // @ts-expect-error no such path
  void client.GET('/api/v1/nowhere');
}
`;

const run = (args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 });

describe('a client generated from the OpenAPI document', () => {
  let live: Awaited<ReturnType<typeof startLiveServer>>;
  let dir: string;
  let compiled: ReturnType<typeof run>;
  beforeAll(async () => {
    live = await startLiveServer(db.db);
    dir = fs.mkdtempSync(path.join(__dirname, '..', '.generated-')); // inside the project: node_modules resolves
    fs.writeFileSync(path.join(dir, 'openapi.json'), await (await fetch(`${live.baseUrl}/api/v1/openapi.json`)).text());
    const generated = run([
      'node_modules/openapi-typescript/bin/cli.js',
      path.join(dir, 'openapi.json'),
      '-o',
      path.join(dir, 'schema.d.ts'),
    ]);
    if (generated.status !== 0) throw new Error(`openapi-typescript failed: ${generated.stderr}`);
    fs.writeFileSync(path.join(dir, 'client.ts'), CLIENT);
    compiled = run([
      'node_modules/typescript/bin/tsc',
      '--noEmit',
      '--strict',
      '--skipLibCheck',
      '--target',
      'es2022',
      '--module',
      'commonjs',
      '--moduleResolution',
      'node10',
      '--types',
      'node',
      path.join(dir, 'client.ts'),
    ]);
  }, 120_000);
  afterAll(async () => {
    await live?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('type-checks, and its types refuse a wrong body and an unknown path', () => {
    expect(compiled.stdout + compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);
  });

  it('works against the server: reads, creates, and retries safely with an Idempotency-Key', async () => {
    const user = await buildUser(db.knex, { first_name: 'Gene', last_name: 'Client' });
    const { token } = await buildPersonalToken(db.knex, { user_id: user.id });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the client was written by the test
    const client = require(path.join(dir, 'client.ts')) as { run(baseUrl: string, token: string): Promise<unknown> };
    const result = await client.run(live.baseUrl, token);
    expect(result).toEqual({
      me: 'Gene Client',
      created: { status: 201, id: expect.any(String) },
      retried: { status: 201, id: (result as { created: { id: string } }).created.id },
      aliases: ['Gen Erated'],
    });
    expect(await db.knex('user_aliases').where({ user_id: user.id })).toHaveLength(1);
  });
});
