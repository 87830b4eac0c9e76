// /api/v1/users (SPEC §5): you and your mutual members; a group's members with their role;
// your own profile, which only you change.
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Config } from '../../../config';
import { notModified, requireMatch, withTag } from '../../../http/conditional';
import { pageSender } from '../../../http/pagination';
import { sendSyncTime } from '../../../http/sync-point';
import { endpoint, guardRoutes, resource } from '../../../http/routes';
import { actorOf } from '../../../policies/actor';
import { authorize } from '../../../policies/authorize';
import { findGroup } from '../groups/public';
import { presentUser, userTag, userView, type PresentableUser } from './presenter';
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
        const { group_id, updated_since, ...page } = query;
        const group = group_id === undefined ? undefined : authorize(await findGroup(knex, actor, group_id));
        if (updated_since !== undefined) await sendSyncTime(knex, res);
        const users = listUsers(knex, actor, { groupId: group?.id, updatedSince: updated_since });
        await sendPage(req, res, users, page, (user: PresentableUser) =>
          presentUser(user, { self: user.id === actor.userId }),
        );
      },
    ),
  });

  const updateMe = endpoint(
    {
      summary: 'Change your profile',
      description:
        'Your names, time zone, bio, location, mobile and SMS setting; PUT and PATCH alike take any of them.',
      body: updateMeBody,
      responses: { 200: { description: 'Your profile.', body: userView } },
    },
    async (req, res, { body }) => {
      const actor = actorOf(req);
      // In a transaction with the row locked, as every write (ARCHITECTURE): If-Match is checked
      // on the version no other change can pass meanwhile.
      const updated = await knex.transaction(async (trx) => {
        const me = authorize(await findUser(trx, actor, actor.userId, { lock: true }));
        requireMatch(req, userTag(me, { self: true }));
        return updateUser(trx, me, body);
      });
      withTag(res, userTag(updated, { self: true })).json(presentUser(updated, { self: true }));
    },
  );

  resource(router, '/users/me', {
    get: endpoint(
      {
        summary: 'Your profile',
        description: 'The signed-in user, with the fields only you see (time zone, SMS setting, last change).',
        responses: { 200: { description: 'Your profile, with your private fields.', body: userView } },
      },
      async (req, res) => {
        const actor = actorOf(req);
        const me = authorize(await findUser(knex, actor, actor.userId));
        if (notModified(req, res, userTag(me, { self: true }))) return;
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
        const self = user.id === actor.userId;
        if (notModified(req, res, userTag(user, { self }))) return;
        res.json(presentUser(user, { self }));
      },
    ),
  });

  return router;
}
