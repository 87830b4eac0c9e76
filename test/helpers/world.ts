// The standard small world of the API tests (issue #4), built with the factories:
//
//   group A ("Alpha"): admin (admin), member (member)       events: past, future
//   group B ("Bravo"): adminB (admin), member (member)      event: futureB
//   group C ("Other"): outsider (admin)                     event: otherEvent
//   loner: in no group
//   tickets in A: ownedByAdmin (assigned to member), ownedByMember (assigned to member,
//     with member's alias), available (admin's, no assignee), pastTicket (member's, past event)
//   ticket in B: ticketB (adminB's, assigned to adminB); in C: otherTicket (outsider's)
//   aliases: memberAlias, adminBAlias (a mutual member's for member), outsiderAlias
//
// Every user has a personal token with read and write (`tokens.member`, …).
import type { Knex } from 'knex';
import request from 'supertest';
import type { Express } from 'express';
import type { Database } from '../../src/db';
import {
  buildAlias,
  buildEvent,
  buildGroup,
  buildMembership,
  buildPersonalToken,
  buildTicket,
  buildUser,
  inDays,
} from '../factories';
import { useTestDatabase } from './db';
import { testApp } from './app';

export async function buildWorld(knex: Knex) {
  const admin = await buildUser(knex, { first_name: 'Ada', last_name: 'Admin' });
  const member = await buildUser(knex, { first_name: 'Max', last_name: 'Member' });
  const adminB = await buildUser(knex, { first_name: 'Bea', last_name: 'Bravo' });
  const outsider = await buildUser(knex, { first_name: 'Olga', last_name: 'Outsider' });
  const loner = await buildUser(knex, { first_name: 'Lou', last_name: 'Loner' });

  const groupA = await buildGroup(knex, { name: 'Alpha', admin });
  await buildMembership(knex, { group_id: groupA.id, user_id: member.id });
  const groupB = await buildGroup(knex, { name: 'Bravo', admin: adminB });
  await buildMembership(knex, { group_id: groupB.id, user_id: member.id });
  const groupC = await buildGroup(knex, { name: 'Other', admin: outsider });

  const past = await buildEvent(knex, { group_id: groupA.id, name: 'Past game', start_time: inDays(-7) });
  const future = await buildEvent(knex, { group_id: groupA.id, name: 'Future game', start_time: inDays(7) });
  const futureB = await buildEvent(knex, { group_id: groupB.id, name: 'Bravo game', start_time: inDays(3) });
  const otherEvent = await buildEvent(knex, { group_id: groupC.id, name: 'Other game', start_time: inDays(5) });

  const memberAlias = await buildAlias(knex, { user_id: member.id, first_name: 'Kid', last_name: 'Member' });
  const adminBAlias = await buildAlias(knex, { user_id: adminB.id, first_name: 'Pal', last_name: 'Bravo' });
  const outsiderAlias = await buildAlias(knex, { user_id: outsider.id, first_name: 'Stranger', last_name: 'Outsider' });

  const ownedByAdmin = await buildTicket(knex, {
    event: future,
    owner: admin,
    section: '326',
    row: 'K',
    seat: '10',
    assignee_id: member.id,
  });
  const ownedByMember = await buildTicket(knex, {
    event: future,
    owner: member,
    section: '326',
    row: 'K',
    seat: '9',
    assignee_id: member.id,
    alias_id: memberAlias.id,
  });
  const available = await buildTicket(knex, {
    event: future,
    owner: admin,
    section: '326',
    row: 'K',
    seat: '11',
    assignee_id: null,
  });
  const pastTicket = await buildTicket(knex, { event: past, owner: member, section: '100', row: 'A', seat: '1' });
  const ticketB = await buildTicket(knex, { event: futureB, owner: adminB, section: 'B', row: '1', seat: '1' });
  const otherTicket = await buildTicket(knex, {
    event: otherEvent,
    owner: outsider,
    section: 'C',
    row: '1',
    seat: '1',
  });

  const users = { admin, member, adminB, outsider, loner };
  const tokens = {} as Record<keyof typeof users, string>;
  for (const [name, user] of Object.entries(users)) {
    tokens[name as keyof typeof users] = (await buildPersonalToken(knex, { user_id: user.id })).token;
  }
  const readOnly = (await buildPersonalToken(knex, { user_id: member.id, scope: ['read'] })).token;

  return {
    ...users,
    users,
    tokens,
    readOnly,
    groupA,
    groupB,
    groupC,
    events: { past, future, futureB, otherEvent },
    aliases: { memberAlias, adminBAlias, outsiderAlias },
    tickets: { ownedByAdmin, ownedByMember, available, pastTicket, ticketB, otherTicket },
  };
}

export type World = Awaited<ReturnType<typeof buildWorld>>;

export interface WorldSetup {
  readonly db: Database;
  readonly knex: Knex;
  readonly world: World;
  readonly app: Express;
}

/**
 * The per-file setup of the API tests: the file's database, the standard world and the app.
 * By default both are built afresh before every test, on emptied tables; with
 * `{ truncate: false }` (files whose tests only read) once for the whole file.
 *
 *   const t = useWorld();
 *   it('…', async () => { await as(t.app, t.world.tokens.member).get('/api/v1/tickets').expect(200); });
 */
export function useWorld({ truncate = true } = {}): WorldSetup {
  const database = useTestDatabase({ truncate });
  let current: { world: World; app: Express } | undefined;
  (truncate ? beforeEach : beforeAll)(async () => {
    current = { world: await buildWorld(database.knex), app: testApp(database.db) };
  });
  const built = () => {
    if (!current) throw new Error('useWorld(): the world is ready only inside tests and hooks');
    return current;
  };
  return {
    get db() {
      return database.db;
    },
    get knex() {
      return database.knex;
    },
    get world() {
      return built().world;
    },
    get app() {
      return built().app;
    },
  };
}

export const RANDOM_UUID = '4f1c7c3e-5b7a-4a53-9d55-7c1f1e0c2a9b';
export const MALFORMED_ID = 'not-a-uuid';

/** Requests as one user: `as(app, token).get('/api/v1/tickets')`. */
export function as(app: Express, token: string) {
  const auth = (test: request.Test) => test.set('Authorization', `Token ${token}`);
  return {
    get: (path: string) => auth(request(app).get(path)),
    post: (path: string) => auth(request(app).post(path)),
    put: (path: string) => auth(request(app).put(path)),
    patch: (path: string) => auth(request(app).patch(path)),
    delete: (path: string) => auth(request(app).delete(path)),
  };
}

/** The ids of a list response, for order and membership assertions. */
export const ids = (body: Array<{ id: string }>): string[] => body.map((item) => item.id);
