// /api/v1/tickets (SPEC §5), and /ticket/:id, the spelling of the original docs: tickets in
// your groups; their owner or assignee changes or deletes them.
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../../../config';
import { fetchPage, setPageHeaders } from '../../../http/pagination';
import { guardRoutes, resource, type Handlers } from '../../../http/routes';
import { parseBody, parseQuery } from '../../../http/validate';
import { actorOf } from '../../../policies/actor';
import { authorize } from '../../../policies/authorize';
import { mayDeleteTicket, mayUpdateTicket } from '../../../policies/rules';
import { deleteTicket, resolveTicketChanges, saveTicketChanges } from './changes';
import { presentTicket, type TicketRow } from './presenter';
import { findFilterTargets, findTicket, listTickets } from './queries';
import { listTicketsQuery, updateTicketBody } from './schema';

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

  return router;
}
