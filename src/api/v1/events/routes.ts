// /api/v1/events (SPEC §5): events of your groups, past or future, by start time; group
// admins add, change and delete them.
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../../../config';
import { conflict } from '../../../errors';
import { fetchPage, setPageHeaders } from '../../../http/pagination';
import { guardRoutes, resource } from '../../../http/routes';
import { parseBody, parseQuery } from '../../../http/validate';
import { actorOf } from '../../../policies/actor';
import { authorize, referenced } from '../../../policies/authorize';
import { mayManageEvents } from '../../../policies/rules';
import { findGroup } from '../groups/queries';
import { presentEvent, type EventRow } from './presenter';
import { createEvent, deleteEvent, findEvent, listEvents, updateEvent } from './queries';
import { createEventBody, deleteEventQuery, listEventsQuery, updateEventBody } from './schema';

export function eventRoutes(knex: Knex, config: Config, guards: RequestHandler[]): Router {
  const router = guardRoutes(Router(), ...guards);

  resource(router, '/events', {
    get: async (req, res) => {
      const actor = actorOf(req);
      const { limit, offset, show, group_id, ordering } = parseQuery(listEventsQuery, req);
      const group = group_id === undefined ? undefined : authorize(await findGroup(knex, actor, group_id));
      const query = listEvents(knex, actor, { show, groupId: group?.id, ordering });
      const { rows, total } = await fetchPage<EventRow>(knex, query, { limit, offset });
      setPageHeaders(req, res, config.baseUrl, { limit, offset }, total);
      res.json(rows.map(presentEvent));
    },
    post: async (req, res) => {
      const actor = actorOf(req);
      const { group_id, ...fields } = parseBody(createEventBody, req);
      const group = authorize(referenced(await findGroup(knex, actor, group_id), 'group_id', 'must be one of your groups'), mayManageEvents);
      const event = authorize(await findEvent(knex, actor, await createEvent(knex, group, fields)));
      res.status(201).location(`${config.baseUrl}/api/v1/events/${event.id}`).json(presentEvent(event));
    },
  });

  const update: RequestHandler = async (req, res) => {
    const actor = actorOf(req);
    const changes = parseBody(updateEventBody, req);
    const event = authorize(await findEvent(knex, actor, String(req.params.id)), mayManageEvents);
    await updateEvent(knex, event, changes);
    res.json(presentEvent(authorize(await findEvent(knex, actor, event.id))));
  };

  resource(router, '/events/:id', {
    get: async (req, res) => {
      res.json(presentEvent(authorize(await findEvent(knex, actorOf(req), String(req.params.id)))));
    },
    put: update,
    patch: update,
    delete: async (req, res) => {
      const actor = actorOf(req);
      const { force } = parseQuery(deleteEventQuery, req);
      await knex.transaction(async (trx) => {
        const event = authorize(await findEvent(trx, actor, String(req.params.id), { lock: true }), mayManageEvents);
        const tickets = presentEvent(event).ticket_counts.total;
        if (tickets > 0 && !force) throw conflict(`This event has ${tickets} ticket(s). Delete them first, or send ?force=true to delete them with it.`);
        await deleteEvent(trx, actor, event);
      });
      res.status(204).end();
    },
  });

  return router;
}
