// /api/v1/events (SPEC §5): events of your groups, past or future, by start time.
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../../../config';
import { fetchPage, setPageHeaders } from '../../../http/pagination';
import { guardRoutes, resource } from '../../../http/routes';
import { parseQuery } from '../../../http/validate';
import { actorOf } from '../../../policies/actor';
import { authorize } from '../../../policies/authorize';
import { findGroup } from '../groups/queries';
import { presentEvent, type EventRow } from './presenter';
import { listEvents } from './queries';
import { listEventsQuery } from './schema';

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
  });

  return router;
}
