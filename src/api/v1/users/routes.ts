// /api/v1/users (SPEC §5): you and your mutual members; a group's members with their role;
// your own profile, which only you change.
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Config } from '../../../config';
import { pageSender } from '../../../http/pagination';
import { endpoint, guardRoutes, resource } from '../../../http/routes';
import { actorOf } from '../../../policies/actor';
import { authorize } from '../../../policies/authorize';
import { findGroup } from '../groups/public';
import { presentUser, userView, type PresentableUser } from './presenter';
import { findUser, listUsers, updateUser } from './queries';
import { listUsersQuery, updateMeBody, userPath } from './schema';

export function userRoutes(knex: Knex, config: Config, guards: RequestHandler[]): Router {
  const router = guardRoutes(Router(), ...guards);
  const sendPage = pageSender(knex, config.baseUrl);

  resource(router, '/users', {
    get: endpoint(
      {
        summary: 'List you and your mutual members',
        description:
          'With `group_id`, the members of that group, each with their `role`. Ordered by last name, first name.',
        query: listUsersQuery,
        responses: { 200: { description: 'A page of users.', body: z.array(userView), paginated: true } },
        errors: { 404: '`group_id` names a group that is not yours.' },
      },
      async (req, res, { query }) => {
        const actor = actorOf(req);
        const { group_id, ...page } = query;
        const group = group_id === undefined ? undefined : authorize(await findGroup(knex, actor, group_id));
        const users = listUsers(knex, actor, { groupId: group?.id });
        await sendPage(req, res, users, page, (user: PresentableUser) =>
          presentUser(user, { self: user.id === actor.userId }),
        );
      },
    ),
  });

  const updateMe = endpoint(
    {
      summary: 'Change your profile',
      body: updateMeBody,
      responses: { 200: { description: 'Your profile.', body: userView } },
    },
    async (req, res, { body }) => {
      const actor = actorOf(req);
      const me = authorize(await findUser(knex, actor, actor.userId));
      res.json(presentUser(await updateUser(knex, me, body), { self: true }));
    },
  );

  resource(router, '/users/me', {
    get: endpoint(
      {
        summary: 'Your profile',
        responses: { 200: { description: 'Your profile, with your private fields.', body: userView } },
      },
      async (req, res) => {
        const actor = actorOf(req);
        const me = authorize(await findUser(knex, actor, actor.userId));
        res.json(presentUser(me, { self: true }));
      },
    ),
    put: updateMe,
    patch: updateMe,
  });

  resource(router, '/users/:id', {
    get: endpoint(
      {
        summary: 'Get a user',
        description: 'Yourself or a mutual member.',
        params: userPath,
        responses: { 200: { description: 'The user.', body: userView } },
      },
      async (req, res, { params }) => {
        const actor = actorOf(req);
        const user = authorize(await findUser(knex, actor, params.id));
        res.json(presentUser(user, { self: user.id === actor.userId }));
      },
    ),
  });

  return router;
}
