// /api/v1/tickets (SPEC §5), and /ticket/:id, the spelling of the original docs: tickets in
// your groups; members add tickets they own (one event or a season); their owner or assignee
// changes or deletes them; other members request them; every member reads their history.
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Config } from '../../../config';
import { notModified, requireMatch, withTag } from '../../../http/conditional';
import { pageSender } from '../../../http/pagination';
import { sendSyncTime } from '../../../http/sync-point';
import { endpoint, guardRoutes, resource, type Handlers } from '../../../http/routes';
import { actorOf } from '../../../policies/actor';
import { authorize } from '../../../policies/authorize';
import { mayDeleteTicket, mayRequestTicket, mayUpdateTicket } from '../../../policies/rules';
import { deleteTicket, resolveTicketChanges, saveTicketChanges } from './changes';
import { createTickets } from './creation';
import { listHistory, recordRequest } from './history';
import { historyEntryView, presentHistoryEntry, presentTicket, ticketTag, ticketView } from './presenter';
import { findFilterTargets, findTicket, findTickets, listTickets } from './queries';
import {
  createTicketBody,
  historyQuery,
  listTicketsQuery,
  requestTicketBody,
  ticketPath,
  updateTicketBody,
} from './schema';

const NOT_YOURS =
  'A member who neither owns the ticket nor is assigned it (or, for section, row and seat, anyone but the owner).';

export function ticketRoutes(knex: Knex, config: Config, guards: RequestHandler[]): Router {
  const router = guardRoutes(Router(), ...guards);
  const sendPage = pageSender(knex, config.baseUrl);

  resource(router, '/tickets', {
    get: endpoint(
      {
        summary: 'List tickets in your groups',
        description:
          'Filters combine with AND. `show` restricts the list to tickets you own or are assigned. Ordered by ' +
          'event start, then section, row and seat in natural order.',
        query: listTicketsQuery,
        responses: { 200: { description: 'A page of tickets.', body: z.array(ticketView), paginated: true } },
        errors: { 404: '`group_id` or `event_id` names a group or event that is not yours.' },
      },
      async (req, res, { query }) => {
        const actor = actorOf(req);
        const { limit, offset, group_id, event_id, updated_since, ...filters } = query;
        const targets = await findFilterTargets(knex, actor, { groupId: group_id, eventId: event_id });
        const group = group_id === undefined ? undefined : authorize(targets.group);
        const event = event_id === undefined ? undefined : authorize(targets.event);
        if (updated_since !== undefined) await sendSyncTime(knex, res);
        const found = listTickets(knex, actor, {
          ...filters,
          groupId: group?.id,
          eventId: event?.id,
          updatedSince: updated_since,
        });
        await sendPage(req, res, found, { limit, offset }, presentTicket);
      },
    ),
    post: endpoint(
      {
        summary: 'Add tickets you own',
        description:
          'With `event_id`, one ticket; with `event_ids`, one ticket per event of a season, all or nothing. The ' +
          'assignee defaults to you (`null`: available).',
        body: createTicketBody,
        responses: {
          201: {
            description:
              'The ticket (for `event_id`, with `Location`), or an array of tickets in the order of `event_ids`.',
            body: z.union([ticketView, z.array(ticketView)]),
            location: 'The URL of the new ticket (for `event_id` only).',
          },
        },
      },
      async (req, res, { body }) => {
        const actor = actorOf(req);
        const ids = await knex.transaction((trx) => createTickets(trx, actor, body));
        const rows = await findTickets(knex, actor, ids);
        if (body.event_ids) {
          res.status(201).json(rows.map(presentTicket));
        } else {
          const ticket = rows[0]!;
          withTag(res, ticketTag(ticket))
            .status(201)
            .location(`${config.baseUrl}/api/v1/tickets/${ticket.id}`)
            .json(presentTicket(ticket));
        }
      },
    ),
  });

  const update = endpoint(
    {
      summary: 'Change a ticket',
      params: ticketPath,
      description:
        "The owner or the assignee. `assignee_id` must be a member of the ticket's group (null: available); " +
        '`alias_id` one of your aliases, on a ticket assigned to you, and it is cleared whenever the assignee ' +
        "changes; only the owner changes `section`, `row` and `seat`. Each change is recorded in the ticket's " +
        'history.',
      body: updateTicketBody,
      responses: { 200: { description: 'The updated ticket.', body: ticketView } },
      errors: { 403: NOT_YOURS },
    },
    async (req, res, { params, body }) => {
      const actor = actorOf(req);
      const updated = await knex.transaction(async (trx) => {
        const ticket = authorize(await findTicket(trx, actor, params.id, { lock: true }), (found) =>
          mayUpdateTicket(actor, found, body),
        );
        requireMatch(req, ticketTag(ticket));
        return saveTicketChanges(trx, actor, ticket, await resolveTicketChanges(trx, actor, ticket, body));
      });
      const ticket = authorize(updated);
      withTag(res, ticketTag(ticket)).json(presentTicket(ticket));
    },
  );

  const oneTicket: Handlers = {
    get: endpoint(
      {
        summary: 'Get a ticket',
        description: 'A ticket of one of your groups: its seat, owner, holder and event. Also at `/ticket/{id}`.',
        params: ticketPath,
        responses: { 200: { description: 'The ticket.', body: ticketView } },
      },
      async (req, res, { params }) => {
        const ticket = authorize(await findTicket(knex, actorOf(req), params.id));
        if (notModified(req, res, ticketTag(ticket))) return;
        res.json(presentTicket(ticket));
      },
    ),
    put: update,
    patch: update,
    delete: endpoint(
      {
        summary: 'Delete a ticket',
        params: ticketPath,
        description: 'The owner or the assignee. The deletion is kept in the ticket history.',
        responses: { 204: { description: 'Deleted.' } },
        errors: { 403: 'A member who neither owns the ticket nor is assigned it.' },
      },
      async (req, res, { params }) => {
        const actor = actorOf(req);
        await knex.transaction(async (trx) => {
          const ticket = authorize(await findTicket(trx, actor, params.id, { lock: true }), (found) =>
            mayDeleteTicket(actor, found),
          );
          requireMatch(req, ticketTag(ticket));
          await deleteTicket(trx, actor, ticket);
        });
        res.status(204).end();
      },
    ),
  };
  resource(router, '/tickets/:id', oneTicket);
  resource(router, '/ticket/:id', oneTicket);

  resource(router, '/tickets/:id/request', {
    post: endpoint(
      {
        summary: 'Ask the owner for a ticket',
        params: ticketPath,
        description: 'A member other than the owner; recorded in the ticket history, where the owner sees it.',
        body: requestTicketBody,
        responses: { 201: { description: 'The history entry of the request.', body: historyEntryView } },
        errors: { 403: 'You own the ticket.' },
      },
      async (req, res, { params, body }) => {
        const actor = actorOf(req);
        const ticket = authorize(await findTicket(knex, actor, params.id), (found) => mayRequestTicket(actor, found));
        res.status(201).json(presentHistoryEntry(await recordRequest(knex, actor, ticket, body.message)));
      },
    ),
  });

  resource(router, '/tickets/:id/history', {
    get: endpoint(
      {
        summary: "A ticket's history",
        description: 'Every change and request, newest first; to the members of its group.',
        params: ticketPath,
        query: historyQuery,
        responses: {
          200: { description: 'A page of history entries.', body: z.array(historyEntryView), paginated: true },
        },
      },
      async (req, res, { params, query: page }) => {
        const actor = actorOf(req);
        const ticket = authorize(await findTicket(knex, actor, params.id));
        await sendPage(req, res, listHistory(knex, actor, ticket), page, presentHistoryEntry);
      },
    ),
  });

  return router;
}
