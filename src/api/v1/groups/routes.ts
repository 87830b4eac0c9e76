// /api/v1/groups (SPEC §5): your groups; anyone creates one (and is its admin) or joins one
// with a code; admins change, deactivate and re-key them.
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../../../config';
import { fetchPage, setPageHeaders } from '../../../http/pagination';
import { guardRoutes, resource } from '../../../http/routes';
import { parseBody, parseQuery } from '../../../http/validate';
import { actorOf } from '../../../policies/actor';
import { authorize } from '../../../policies/authorize';
import { mayAdministerGroup, mayUpdateGroup } from '../../../policies/rules';
import { createGroup, deactivateGroup, replaceJoinCode } from './admin';
import { joinWithCode } from './members';
import { presentGroup, type GroupRow } from './presenter';
import { findGroup, listGroups, updateGroup } from './queries';
import { createGroupBody, joinGroupBody, listGroupsQuery, updateGroupBody } from './schema';

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
    post: async (req, res) => {
      const actor = actorOf(req);
      const fields = parseBody(createGroupBody, req);
      const id = await knex.transaction((trx) => createGroup(trx, actor, fields));
      const group = authorize(await findGroup(knex, actor, id));
      res.status(201).location(`${config.baseUrl}/api/v1/groups/${group.id}`).json(presentGroup(group));
    },
  });

  // Before /groups/:id, whose 405 would otherwise answer POST /groups/join.
  resource(router, '/groups/join', {
    post: async (req, res) => {
      const actor = actorOf(req);
      const { code } = parseBody(joinGroupBody, req);
      const id = await knex.transaction((trx) => joinWithCode(trx, actor, code));
      res.json(presentGroup(authorize(await findGroup(knex, actor, id))));
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
    delete: async (req, res) => {
      const group = authorize(await findGroup(knex, actorOf(req), String(req.params.id)), mayAdministerGroup);
      await deactivateGroup(knex, group);
      res.status(204).end();
    },
  });

  resource(router, '/groups/:id/invitation_code', {
    post: async (req, res) => {
      const actor = actorOf(req);
      const group = authorize(await findGroup(knex, actor, String(req.params.id)), mayAdministerGroup);
      await replaceJoinCode(knex, group);
      res.json(presentGroup(authorize(await findGroup(knex, actor, group.id))));
    },
  });

  return router;
}
