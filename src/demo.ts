// `seatshare demo`: a small believable world on an empty database, built through the same
// functions the API's routes use (so history, codes and rules are what the API would make):
// two groups with admins and members, a season of past and future games, owned, assigned and
// available tickets, an alias, one request, two invitations mailed (one still pending), and
// registered clients — among them one for the interactive docs at /docs.
import type { Knex } from 'knex';
import { createClient } from './oauth/clients';
import { createPersonalToken } from './auth/personal-tokens';
import { createUser } from './users/users';
import type { Actor } from './policies/actor';
import { authorize } from './policies/authorize';
import { createGroup } from './api/v1/groups/admin';
import { lockInviter, sendInvitation } from './api/v1/groups/invitations';
import { changeRole, findMember, joinWithCode } from './api/v1/groups/members';
import { findGroup } from './api/v1/groups/queries';
import { createEvent } from './api/v1/events/queries';
import { createAlias } from './api/v1/user_aliases/queries';
import { resolveTicketChanges, saveTicketChanges } from './api/v1/tickets/changes';
import { createTickets } from './api/v1/tickets/creation';
import { recordRequest } from './api/v1/tickets/history';
import { findTicket } from './api/v1/tickets/queries';
import { createTicketBody, updateTicketBody } from './api/v1/tickets/schema';

export const DEMO_PASSWORD = 'seatshare-demo';
const DAY_MS = 24 * 60 * 60 * 1000;
const DEMO_REDIRECT = 'http://127.0.0.1:9999/cb';

const PEOPLE = [
  { email: 'alice@example.com', first_name: 'Alice', last_name: 'Archer' },
  { email: 'bob@example.com', first_name: 'Bob', last_name: 'Baker' },
  { email: 'carol@example.com', first_name: 'Carol', last_name: 'Chen' },
  { email: 'dave@example.com', first_name: 'Dave', last_name: 'Diaz' },
  { email: 'erin@example.com', first_name: 'Erin', last_name: 'Evans' },
] as const;

const OPPONENTS = [
  'Rivertown Rovers',
  'Harbor City FC',
  'Mountain United',
  'Lakeside Athletic',
  'Capital Rangers',
  'Valley Wanderers',
  'Coastal City',
  'Northside Albion',
];
const CONCERTS = ['Spring Gala', 'Brahms & Dvořák', 'Film Music Night', 'Summer Finale'];

export class DemoRefused extends Error {}

/** 19:30 UTC, `weeks` weeks from tomorrow (negative: in the past). */
function gameDay(weeks: number, days = 0): Date {
  const tomorrow = (Math.floor(Date.now() / DAY_MS) + 1) * DAY_MS;
  return new Date(tomorrow + (weeks * 7 + days) * DAY_MS + 19.5 * 60 * 60 * 1000);
}

async function groupOf(trx: Knex.Transaction, actor: Actor, id: string) {
  return authorize(await findGroup(trx, actor, id));
}

async function assign(trx: Knex.Transaction, actor: Actor, ticketId: string, changes: Record<string, unknown>) {
  const ticket = authorize(await findTicket(trx, actor, ticketId, { lock: true }));
  const body = updateTicketBody.parse(changes);
  await saveTicketChanges(trx, actor, ticket, await resolveTicketChanges(trx, actor, ticket, body));
}

export async function runDemo(knex: Knex, baseUrl: string) {
  const existing = await knex('users').count<{ count: number }[]>({ count: '*' }).first();
  if (Number(existing?.count) > 0) {
    throw new DemoRefused('The demo only fills an empty database, and this one already has users.');
  }

  return knex.transaction(async (trx) => {
    const users = [];
    for (const person of PEOPLE)
      users.push(await createUser(trx, { ...person, password: DEMO_PASSWORD }, { verified: true }));
    const [alice, bob, carol, dave, erin] = users.map((user): Actor => ({ userId: user.id })) as [
      Actor,
      Actor,
      Actor,
      Actor,
      Actor,
    ];

    // Section 326: Alice's two football season tickets, shared with Bob and Carol; Dave joins
    // as co-admin by invitation.
    const football = await groupOf(
      trx,
      alice,
      await createGroup(trx, alice, {
        name: 'Section 326 Season Tickets',
        description: 'Two seats behind the home bench, shared by friends.',
      }),
    );
    await joinWithCode(trx, bob, football.invitation_code);
    await joinWithCode(trx, carol, football.invitation_code.toLowerCase());
    // Invitations are mailed as the API mails them: with no SMTP_URL the two messages appear at
    // /dev/mail once the server runs, and Frank's link still works (sign up as frank@example.com).
    const inviter = authorize(await lockInviter(trx, alice));
    const invite = (email: string) => sendInvitation(trx, baseUrl, alice, { group: football, inviter, email });
    const { code: daveCode } = await invite('dave@example.com');
    await joinWithCode(trx, dave, daveCode);
    await changeRole(trx, football, (await findMember(trx, alice, football, dave.userId))!, 'admin');
    await invite('frank@example.com'); // still pending

    // The Philharmonic box: Dave's concert subscription, shared with Erin and Alice.
    const concerts = await groupOf(
      trx,
      dave,
      await createGroup(trx, dave, { name: 'Philharmonic Box 4', description: 'Four seats in box 4, first tier.' }),
    );
    await joinWithCode(trx, erin, concerts.invitation_code);
    await joinWithCode(trx, alice, concerts.invitation_code);

    // A season: two past and six future home games a week apart; the last one's kick-off is not fixed yet.
    const games: string[] = [];
    for (const [i, opponent] of OPPONENTS.entries()) {
      const last = i === OPPONENTS.length - 1;
      games.push(
        await createEvent(trx, football, {
          name: `Home vs ${opponent}`,
          start_time: gameDay(i - 2),
          time_tba: last,
          description: last ? 'Kick-off time to be announced.' : '',
        }),
      );
    }
    const shows: string[] = [];
    for (const [i, name] of CONCERTS.entries())
      shows.push(await createEvent(trx, concerts, { name, start_time: gameDay(i * 3 - 1, 2) }));

    // Season tickets: Alice holds seat 9 herself; seat 10 starts available and goes to Bob or
    // Carol for some games. Dave adds a third seat for the future games only.
    const seat9 = await createTickets(
      trx,
      alice,
      createTicketBody.parse({ event_ids: games, section: '326', row: 'K', seat: '9', cost: '32.00' }),
    );
    const seat10 = await createTickets(
      trx,
      alice,
      createTicketBody.parse({
        event_ids: games,
        section: '326',
        row: 'K',
        seat: '10',
        cost: '32.00',
        assignee_id: null,
      }),
    );
    await createTickets(
      trx,
      dave,
      createTicketBody.parse({ event_ids: games.slice(2), section: '326', row: 'L', seat: '9', cost: '28.50' }),
    );
    const holders = [bob, carol, null, bob, carol, null, bob, null];
    for (const [i, holder] of holders.entries())
      if (holder) await assign(trx, alice, seat10[i]!, { assignee_id: holder.userId });
    await assign(trx, alice, seat9[1]!, { note: 'Parking pass in the glovebox.' });
    // Bob brings his son to the next game on his seat.
    const ben = await createAlias(trx, bob, { first_name: 'Ben', last_name: 'Baker' });
    await assign(trx, bob, seat10[3]!, { alias_id: ben.id });
    // Carol asks for an available seat.
    const wanted = authorize(await findTicket(trx, carol, seat10[5]!));
    await recordRequest(trx, carol, wanted, 'Could I have this one? My sister is in town.');

    for (const show of shows) {
      await createTickets(
        trx,
        dave,
        createTicketBody.parse({
          event_id: show,
          section: 'Box 4',
          row: '1',
          seat: '1',
          cost: '75.00',
          assignee_id: null,
        }),
      );
    }

    // The demo's apps stand for SeatShare's own (the mobile app, the docs): registered by the
    // operators (no owner), so their consent pages say SeatShare and their errors redirect.
    const { client, clientSecret } = await createClient(trx, {
      name: 'SeatShare Demo Client',
      redirect_uris: [DEMO_REDIRECT],
      client_type: 'confidential',
      owner_id: null,
    });
    const { client: mobile } = await createClient(trx, {
      name: 'SeatShare Mobile (demo)',
      redirect_uris: ['com.seatshare.demo:/oauth/callback', DEMO_REDIRECT],
      client_type: 'public',
      owner_id: null,
    });
    const { client: docs } = await createClient(trx, {
      name: 'SeatShare API docs',
      redirect_uris: [`${baseUrl}/docs/oauth2-redirect.html`],
      client_type: 'public',
      owner_id: null,
    });
    const { token } = await createPersonalToken(trx, alice.userId, { name: 'Demo token', scope: ['read', 'write'] });

    const counts = async (table: string) => Number((await trx(table).count({ n: '*' }).first())?.n);
    const docsUrl = `${baseUrl}/docs?client_id=${encodeURIComponent(docs.client_id)}`;
    const json = {
      users: users.map((user) => ({ id: user.id, email: user.email })),
      password: DEMO_PASSWORD,
      groups: [football, concerts].map((group) => ({
        id: group.id,
        name: group.name,
        invitation_code: group.invitation_code,
      })),
      events: await counts('events'),
      tickets: await counts('tickets'),
      clients: [
        {
          client_id: client.client_id,
          client_secret: clientSecret,
          client_type: 'confidential',
          redirect_uris: client.redirect_uris,
        },
        { client_id: mobile.client_id, client_type: 'public', redirect_uris: mobile.redirect_uris },
        { client_id: docs.client_id, client_type: 'public', redirect_uris: docs.redirect_uris },
      ],
      personal_token: { user: 'alice@example.com', token },
      login_url: `${baseUrl}/login`,
      docs_url: docsUrl,
    };
    const text = [
      'Demo data created.',
      `  Users (password "${DEMO_PASSWORD}"): ${PEOPLE.map((p) => p.email).join(', ')}`,
      `  "${football.name}": Alice and Dave admins, Bob and Carol members ` +
        `(join code ${football.invitation_code}); a pending invitation for frank@example.com`,
      `  Mail: the invitations to Dave and Frank, at ${baseUrl}/dev/mail once the server runs (without SMTP_URL)`,
      `  "${concerts.name}": Dave admin, Erin and Alice members (join code ${concerts.invitation_code})`,
      `  ${json.events} events (past and future) and ${json.tickets} tickets: ` +
        'owned, assigned and available; Carol has asked for one',
      `  Confidential client: client_id ${client.client_id}, client_secret ${clientSecret} (redirect ${DEMO_REDIRECT})`,
      `  Public client (PKCE): client_id ${mobile.client_id}`,
      `  Alice's personal token: ${token}`,
      '',
      `Try it:`,
      `  curl -H "Authorization: Token ${token}" ${baseUrl}/api/v1/tickets?owner=me`,
      `  API docs, with "Authorize" through OAuth: ${docsUrl}`,
      `  Log in at ${baseUrl}/login, or start an authorization:`,
      `  ${baseUrl}/oauth/authorize?response_type=code&client_id=${client.client_id}` +
        `&redirect_uri=${encodeURIComponent(DEMO_REDIRECT)}&scope=read%20write&state=demo` +
        '&code_challenge=<S256 challenge>&code_challenge_method=S256',
    ].join('\n');
    return { json, text };
  });
}
