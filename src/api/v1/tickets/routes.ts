// /api/v1/tickets (SPEC §5), and /ticket/:id, the spelling of the original docs: tickets in
// your groups; members add tickets they own (one event or a season); their owner or assignee
// changes or deletes them; other members request them; every member reads their history.
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../../../config';
import { fetchPage, setPageHeaders } from '../../../http/pagination';
import { guardRoutes, resource, type Handlers } from '../../../http/routes';
import { parseBody, parseQuery } from '../../../http/validate';
import { actorOf } from '../../../policies/actor';
import { authorize } from '../../../policies/authorize';
import { mayDeleteTicket, mayRequestTicket, mayUpdateTicket } from '../../../policies/rules';
import { deleteTicket, resolveTicketChanges, saveTicketChanges } from './changes';
import { createTickets } from './creation';
import { listHistory, presentHistoryEntry, recordRequest, type HistoryRow } from './history';
import { presentTicket, type TicketRow } from './presenter';
import { findFilterTargets, findTicket, findTickets, listTickets } from './queries';
import { createTicketBody, historyQuery, listTicketsQuery, requestTicketBody, updateTicketBody } from './schema';

export function ticketRoutes(knex: Knex, config: Config, guards: RequestHandler[]): Router {
  const router = guardRoutes(Router(), ...guards);

  resource(router, '/tickets', {
    get: async (req, res) => {
      const actor = actorOf(req);
      const { limit, offset, group_id, event_id, ...filters } = parseQuery(listTicketsQuery, req);
      const targets = await findFilterTargets(knex, actor, { groupId: group_id, eventId: event_id });
      const group = group_id === undefined ? undefined : authorize(targets.group);
      const event = event_id === undefined ? undefined : authorize(targets.event);
      const query = listTickets(knex, actor, { ...filters, groupId: group?.id, eventId: event?.id });
      const { rows, total } = await fetchPage<TicketRow>(knex, query, { limit, offset });
      setPageHeaders(req, res, config.baseUrl, { limit, offset }, total);
      res.json(rows.map(presentTicket));
    },
    post: async (req, res) => {
      const actor = actorOf(req);
      const body = parseBody(createTicketBody, req);
      const ids = await knex.transaction((trx) => createTickets(trx, actor, body));
      const tickets = (await findTickets(knex, actor, ids)).map(presentTicket);
      if (body.event_ids) {
        res.status(201).json(tickets);
      } else {
        res.status(201).location(`${config.baseUrl}/api/v1/tickets/${tickets[0]!.id}`).json(tickets[0]);
      }
    },
  });

  const update: RequestHandler = async (req, res) => {
    const actor = actorOf(req);
    const id = String(req.params.id);
    const body = parseBody(updateTicketBody, req);
    const updated = await knex.transaction(async (trx) => {
      const ticket = authorize(await findTicket(trx, actor, id, { lock: true }), (found) => mayUpdateTicket(actor, found, body));
      await saveTicketChanges(trx, actor, ticket, await resolveTicketChanges(trx, actor, ticket, body));
      return findTicket(trx, actor, id);
    });
    res.json(presentTicket(authorize(updated)));
  };

  const oneTicket: Handlers = {
    get: async (req, res) => {
      res.json(presentTicket(authorize(await findTicket(knex, actorOf(req), String(req.params.id)))));
    },
    put: update,
    patch: update,
    delete: async (req, res) => {
      const actor = actorOf(req);
      await knex.transaction(async (trx) => {
        const ticket = authorize(await findTicket(trx, actor, String(req.params.id), { lock: true }), (found) => mayDeleteTicket(actor, found));
        await deleteTicket(trx, actor, ticket);
      });
      res.status(204).end();
    },
  };
  resource(router, '/tickets/:id', oneTicket);
  resource(router, '/ticket/:id', oneTicket);

  resource(router, '/tickets/:id/request', {
    post: async (req, res) => {
      const actor = actorOf(req);
      const { message } = parseBody(requestTicketBody, req);
      const ticket = authorize(await findTicket(knex, actor, String(req.params.id)), (found) => mayRequestTicket(actor, found));
      res.status(201).json(presentHistoryEntry(await recordRequest(knex, actor, ticket, message)));
    },
  });

  resource(router, '/tickets/:id/history', {
    get: async (req, res) => {
      const actor = actorOf(req);
      const page = parseQuery(historyQuery, req);
      const ticket = authorize(await findTicket(knex, actor, String(req.params.id)));
      const { rows, total } = await fetchPage<HistoryRow>(knex, listHistory(knex, actor, ticket), page);
      setPageHeaders(req, res, config.baseUrl, page, total);
      res.json(rows.map(presentHistoryEntry));
    },
  });

  return router;
}
