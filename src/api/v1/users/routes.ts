// /api/v1/users (SPEC §5): you and your mutual members; a group's members with their role;
// your own profile, which only you change.
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../../../config';
import { fetchPage, setPageHeaders } from '../../../http/pagination';
import { guardRoutes, resource } from '../../../http/routes';
import { parseBody, parseQuery } from '../../../http/validate';
import { actorOf } from '../../../policies/actor';
import { authorize } from '../../../policies/authorize';
import { findGroup } from '../groups/queries';
import { presentUser, type PresentableUser } from './presenter';
import { findUser, listUsers, updateUser } from './queries';
import { listUsersQuery, updateMeBody } from './schema';

export function userRoutes(knex: Knex, config: Config, guards: RequestHandler[]): Router {
  const router = guardRoutes(Router(), ...guards);

  resource(router, '/users', {
    get: async (req, res) => {
      const actor = actorOf(req);
      const { group_id, ...page } = parseQuery(listUsersQuery, req);
      const group = group_id === undefined ? undefined : authorize(await findGroup(knex, actor, group_id));
      const { rows, total } = await fetchPage<PresentableUser>(knex, listUsers(knex, actor, { groupId: group?.id }), page);
      setPageHeaders(req, res, config.baseUrl, page, total);
      res.json(rows.map((user) => presentUser(user, { self: user.id === actor.userId })));
    },
  });

  const updateMe: RequestHandler = async (req, res) => {
    const actor = actorOf(req);
    const changes = parseBody(updateMeBody, req);
    const me = authorize(await findUser(knex, actor, actor.userId));
    res.json(presentUser(await updateUser(knex, me, changes), { self: true }));
  };

  resource(router, '/users/me', {
    get: async (req, res) => {
      const actor = actorOf(req);
      const me = authorize(await findUser(knex, actor, actor.userId));
      res.json(presentUser(me, { self: true }));
    },
    put: updateMe,
    patch: updateMe,
  });

  resource(router, '/users/:id', {
    get: async (req, res) => {
      const actor = actorOf(req);
      const user = authorize(await findUser(knex, actor, String(req.params.id)));
      res.json(presentUser(user, { self: user.id === actor.userId }));
    },
  });

  return router;
}
