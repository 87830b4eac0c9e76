// /api/v1/groups (SPEC §5): your groups; admins change name and description.
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../../../config';
import { fetchPage, setPageHeaders } from '../../../http/pagination';
import { guardRoutes, resource } from '../../../http/routes';
import { parseBody, parseQuery } from '../../../http/validate';
import { actorOf } from '../../../policies/actor';
import { authorize } from '../../../policies/authorize';
import { mayUpdateGroup } from '../../../policies/rules';
import { presentGroup, type GroupRow } from './presenter';
import { findGroup, listGroups, updateGroup } from './queries';
import { listGroupsQuery, updateGroupBody } from './schema';

export function groupRoutes(knex: Knex, config: Config, guards: RequestHandler[]): Router {
  const router = guardRoutes(Router(), ...guards);

  resource(router, '/groups', {
    get: async (req, res) => {
      const actor = actorOf(req);
      const { limit, offset } = parseQuery(listGroupsQuery, req);
      const { rows, total } = await fetchPage<GroupRow>(knex, listGroups(knex, actor), { limit, offset });
      setPageHeaders(req, res, config.baseUrl, { limit, offset }, total);
      res.json(rows.map(presentGroup));
    },
  });

  const update: RequestHandler = async (req, res) => {
    const actor = actorOf(req);
    const changes = parseBody(updateGroupBody, req);
    const group = authorize(await findGroup(knex, actor, String(req.params.id)), mayUpdateGroup);
    res.json(presentGroup(await updateGroup(knex, group, changes)));
  };

  resource(router, '/groups/:id', {
    get: async (req, res) => {
      const group = authorize(await findGroup(knex, actorOf(req), String(req.params.id)));
      res.json(presentGroup(group));
    },
    put: update,
    patch: update,
  });

  return router;
}
