// `seatshare demo`: a small believable world on an empty database, so a newcomer can log in
// and try the OAuth flow at once. Later features extend it.
import type { Knex } from 'knex';
import { generateJoinCode } from './groups/join-code';
import { createClient } from './oauth/clients';
import { createUser } from './users/users';

export const DEMO_PASSWORD = 'seatshare-demo';
const DAY_MS = 24 * 60 * 60 * 1000;

const PEOPLE = [
  { email: 'alice@example.com', first_name: 'Alice', last_name: 'Archer', role: 'admin' },
  { email: 'bob@example.com', first_name: 'Bob', last_name: 'Baker', role: 'member' },
  { email: 'carol@example.com', first_name: 'Carol', last_name: 'Chen', role: 'member' },
] as const;

const OPPONENTS = ['Rivertown Rovers', 'Harbor City FC', 'Mountain United', 'Lakeside Athletic', 'Capital Rangers', 'Valley Wanderers'];

export class DemoRefused extends Error {}

export async function runDemo(knex: Knex, baseUrl: string) {
  const existing = await knex('users').count<{ count: number }[]>({ count: '*' }).first();
  if (Number(existing?.count) > 0) {
    throw new DemoRefused('The demo only fills an empty database, and this one already has users.');
  }

  return knex.transaction(async (trx) => {
    const users = [];
    for (const person of PEOPLE) users.push(await createUser(trx, { ...person, password: DEMO_PASSWORD }));
    const [admin, bob, carol] = users as [(typeof users)[0], (typeof users)[0], (typeof users)[0]];

    const [group] = await trx('groups')
      .insert({ name: 'Section 326 Season Tickets', description: 'Two seats behind the home bench, shared by friends.', invitation_code: generateJoinCode() })
      .returning(['id', 'name', 'invitation_code']);
    await trx('memberships').insert(users.map((user, i) => ({ group_id: group.id, user_id: user.id, role: PEOPLE[i]!.role })));

    // Two past and four future home games, a week apart, at 19:30 UTC from tomorrow on.
    const tomorrow = new Date((Math.floor(Date.now() / DAY_MS) + 1) * DAY_MS);
    const events = await trx('events')
      .insert(
        OPPONENTS.map((opponent, i) => ({
          group_id: group.id,
          name: `Home vs ${opponent}`,
          start_time: new Date(tomorrow.getTime() + (i - 2) * 7 * DAY_MS + 19.5 * 60 * 60 * 1000),
        })),
      )
      .returning(['id', 'start_time']);

    // Alice holds seats 9 and 10 for every game: she keeps 9, 10 goes to Bob, Carol, or nobody.
    const holders = [bob.id, carol.id, null];
    const tickets = await trx('tickets')
      .insert(
        events.flatMap((event: { id: string }, i: number) => [
          { group_id: group.id, event_id: event.id, owner_id: admin.id, assignee_id: admin.id, section: '326', row: 'K', seat: '9', cost: '32.00' },
          { group_id: group.id, event_id: event.id, owner_id: admin.id, assignee_id: holders[i % 3], section: '326', row: 'K', seat: '10', cost: '32.00' },
        ]),
      )
      .returning(['id', 'group_id']);
    await trx('ticket_history').insert(
      tickets.map((ticket: { id: string; group_id: string }) => ({ ticket_id: ticket.id, group_id: ticket.group_id, actor_id: admin.id, action: 'created' })),
    );

    const { client, clientSecret } = await createClient(trx, {
      name: 'SeatShare Demo Client',
      redirect_uris: ['http://127.0.0.1:9999/cb'],
      client_type: 'confidential',
      owner_id: admin.id,
    });
    const { client: mobile } = await createClient(trx, {
      name: 'SeatShare Mobile (demo)',
      redirect_uris: ['com.seatshare.demo:/oauth/callback', 'http://127.0.0.1:9999/cb'],
      client_type: 'public',
      owner_id: admin.id,
    });

    const json = {
      users: users.map((user, i) => ({ id: user.id, email: user.email, role: PEOPLE[i]!.role })),
      password: DEMO_PASSWORD,
      group: { id: group.id, name: group.name, invitation_code: group.invitation_code },
      events: events.length,
      tickets: tickets.length,
      clients: [
        { client_id: client.client_id, client_secret: clientSecret, client_type: 'confidential', redirect_uris: client.redirect_uris },
        { client_id: mobile.client_id, client_type: 'public', redirect_uris: mobile.redirect_uris },
      ],
      login_url: `${baseUrl}/login`,
    };
    const text = [
      'Demo data created.',
      `  Users (password "${DEMO_PASSWORD}"): ${PEOPLE.map((p) => `${p.email} (${p.role})`).join(', ')}`,
      `  Group "${group.name}", join code ${group.invitation_code}`,
      `  ${events.length} events (2 past, 4 future) and ${tickets.length} tickets`,
      `  Confidential client: client_id ${client.client_id}, client_secret ${clientSecret}`,
      `  Public client (PKCE): client_id ${mobile.client_id}`,
      '',
      `Try it: log in at ${baseUrl}/login, then start an authorization:`,
      `  ${baseUrl}/oauth/authorize?response_type=code&client_id=${client.client_id}&redirect_uri=${encodeURIComponent('http://127.0.0.1:9999/cb')}&scope=read%20write&state=demo&code_challenge=<S256 challenge>&code_challenge_method=S256`,
    ].join('\n');
    return { json, text };
  });
}
