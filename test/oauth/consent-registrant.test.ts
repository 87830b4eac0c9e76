// Finding #9 of issue #14, the consent page: who registered an app cannot be faked. A user's
// app shows that user's name and email and says it is not made by SeatShare; only the
// operators' apps (CLI, no owner) say SeatShare (SPEC §3).
import { runCli } from '../../src/cli';
import { useTestDatabase } from '../helpers/db';
import { buildUser } from '../factories';
import { authorizeUrl, authorizeWorld, baseParams, CB } from './authorize-helpers';

const db = useTestDatabase();
const OPERATORS_APP = 'This app is made by SeatShare';

describe('who registered the app', () => {
  it('shows a user app’s registrant by name and email, not made by SeatShare, even one named "the SeatShare" "operators"', async () => {
    const mallory = await buildUser(db.knex, {
      first_name: 'the SeatShare',
      last_name: 'operators',
      email: 'mallory@evil.example',
    });
    const { client, b } = await authorizeWorld(db, { owner_id: mallory.id, name: 'Seat Planner' });
    const res = await b.agent.get(authorizeUrl(baseParams(client.client_id))).expect(200);
    expect(res.text).toContain('registered by the SeatShare operators (mallory@evil.example), a SeatShare user');
    expect(res.text).toContain('It is not made by SeatShare');
    expect(res.text).not.toContain(OPERATORS_APP);
  });

  it('shows an app the operators registered with the CLI as SeatShare’s', async () => {
    let stdout = '';
    const io = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
      openDatabase: () => ({ ...db.db, close: async () => {} }),
    };
    expect(
      await runCli(['create-client', '--name', 'SeatShare Mobile', '--redirect-uri', CB, '--public', '--json'], io),
    ).toBe(0);
    const { client_id } = JSON.parse(stdout) as { client_id: string };
    const { b } = await authorizeWorld(db);
    const res = await b.agent.get(authorizeUrl(baseParams(client_id))).expect(200);
    expect(res.text).toContain(`${OPERATORS_APP} (registered by the SeatShare operators).`);
    expect(res.text).not.toContain('not made by SeatShare');
  });
});
