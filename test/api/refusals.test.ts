// The route-test template's refusals (test/helpers/endpoint-refusals.ts) for every endpoint that
// names a record by id: 401, 403 to a read-only token, 404 for another group's record, a random
// and a malformed id, 403 with its reason for a visible record the caller may not change — each
// leaving the record as it was. Success paths and 400s are in each resource's own file.
import { itRefuses } from '../helpers/endpoint-refusals';
import { useWorld } from '../helpers/world';

const t = useWorld();
const row = (table: string) => (id: string) => t.knex(table).where({ id }).first();

describe('/api/v1/user_aliases/:id', () => {
  for (const method of ['get', 'patch', 'delete'] as const) {
    itRefuses(t, {
      method,
      path: (id) => `/api/v1/user_aliases/${id}`,
      body: { first_name: 'X' },
      caller: () => t.world.tokens.member,
      allowed: () => t.world.aliases.memberAlias.id,
      hidden: { "a stranger's alias": () => t.world.aliases.outsiderAlias.id },
      forbidden:
        method === 'get'
          ? undefined
          : { id: () => t.world.aliases.adminBAlias.id, detail: 'Only the person who made this alias may change it.' },
      snapshot: row('user_aliases'),
    });
  }
});

describe('/api/v1/events/:id', () => {
  for (const method of ['get', 'patch'] as const) {
    itRefuses(t, {
      method,
      path: (id) => `/api/v1/events/${id}`,
      body: { name: 'Renamed' },
      caller: () => t.world.tokens.member,
      allowed: () => t.world.events.future.id,
      hidden: { "another group's event": () => t.world.events.otherEvent.id },
      forbidden:
        method === 'get'
          ? undefined
          : {
              id: () => t.world.events.future.id,
              detail: 'Only an admin of this group may add or change its events.',
            },
      snapshot: row('events'),
    });
  }
});

describe('/api/v1/groups/:id', () => {
  for (const method of ['get', 'patch'] as const) {
    itRefuses(t, {
      method,
      path: (id) => `/api/v1/groups/${id}`,
      body: { name: 'Renamed' },
      caller: () => t.world.tokens.member,
      allowed: () => t.world.groupA.id,
      hidden: { 'a group the caller is not in': () => t.world.groupC.id },
      forbidden:
        method === 'get'
          ? undefined
          : { id: () => t.world.groupA.id, detail: 'Only an admin of this group may change it.' },
      snapshot: row('groups'),
    });
  }
});

describe('/api/v1/tickets/:id', () => {
  for (const method of ['get', 'patch', 'delete'] as const) {
    itRefuses(t, {
      method,
      path: (id) => `/api/v1/tickets/${id}`,
      body: { note: 'X' },
      caller: () => t.world.tokens.member,
      allowed: () => t.world.tickets.ownedByMember.id,
      hidden: { "another group's ticket": () => t.world.tickets.otherTicket.id },
      // In group B, owned by and assigned to its admin.
      forbidden:
        method === 'get'
          ? undefined
          : {
              id: () => t.world.tickets.ticketB.id,
              detail: 'Only the owner or the assignee of this ticket may change it.',
            },
      snapshot: row('tickets'),
    });
  }
});
