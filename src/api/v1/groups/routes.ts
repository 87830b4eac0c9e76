// /api/v1/groups (SPEC §5): your groups; anyone creates one (and is its admin) or joins one
// with a code; admins change, deactivate and re-key them.
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
import { isAdmin, mayAdministerGroup, mayUpdateGroup } from '../../../policies/rules';
import { createGroup, deactivateGroup, replaceJoinCode } from './admin';
import { joinWithCode } from './members';
import { groupTag, groupView, presentGroup, type GroupRow } from './presenter';
import { findGroup, listGroups, updateGroup } from './queries';
import { createGroupBody, groupPath, joinGroupBody, listGroupsQuery, updateGroupBody } from './schema';

const MEMBER = 'A member who is not an admin of the group.';

/** A group as the caller sees it: its reusable join code only when the caller is one of its admins. */
const presentYourGroup = (group: GroupRow) => presentGroup(group, { includeInvitationCode: isAdmin(group) });

export function groupRoutes(knex: Knex, config: Config, guards: RequestHandler[]): Router {
  const router = guardRoutes(Router(), ...guards);
  const sendPage = pageSender(knex, config.baseUrl);

  resource(router, '/groups', {
    get: endpoint(
      {
        summary: 'List your groups',
        description: 'Active groups you are a member or admin of, by name.',
        query: listGroupsQuery,
        responses: { 200: { description: 'A page of groups.', body: z.array(groupView), paginated: true } },
      },
      async (req, res, { query }) => {
        const { updated_since, ...page } = query;
        if (updated_since !== undefined) await sendSyncTime(knex, res);
        await sendPage(
          req,
          res,
          listGroups(knex, actorOf(req), { updatedSince: updated_since }),
          page,
          presentYourGroup,
        );
      },
    ),
    post: endpoint(
      {
        summary: 'Create a group',
        description: 'You become its admin.',
        body: createGroupBody,
        responses: { 201: { description: 'The group, with its join code.', body: groupView, location: true } },
      },
      async (req, res, { body }) => {
        const actor = actorOf(req);
        const id = await knex.transaction((trx) => createGroup(trx, actor, body));
        const group = authorize(await findGroup(knex, actor, id));
        withTag(res, groupTag(group))
          .status(201)
          .location(`${config.baseUrl}/api/v1/groups/${group.id}`)
          .json(presentYourGroup(group));
      },
    ),
  });

  // Before /groups/:id, whose 405 would otherwise answer POST /groups/join.
  resource(router, '/groups/join', {
    post: endpoint(
      {
        summary: 'Join a group with a code',
        description:
          "An invitation's single-use code, or a group's reusable `invitation_code`. Case does not matter for the " +
          'latter.',
        body: joinGroupBody,
        responses: { 200: { description: 'The group you joined.', body: groupView } },
        errors: { 409: 'You are already a member of that group.' },
      },
      async (req, res, { body }) => {
        const actor = actorOf(req);
        const id = await knex.transaction((trx) => joinWithCode(trx, actor, body.code));
        const group = authorize(await findGroup(knex, actor, id));
        withTag(res, groupTag(group)).json(presentYourGroup(group));
      },
    ),
  });

  const update = endpoint(
    {
      summary: 'Change a group',
      description: 'Admins.',
      params: groupPath,
      body: updateGroupBody,
      responses: { 200: { description: 'The updated group.', body: groupView } },
      errors: { 403: MEMBER },
    },
    async (req, res, { params, body }) => {
      const updated = await knex.transaction(async (trx) => {
        const group = authorize(await findGroup(trx, actorOf(req), params.id, { lock: true }), mayUpdateGroup);
        requireMatch(req, groupTag(group));
        return updateGroup(trx, group, body);
      });
      withTag(res, groupTag(updated)).json(presentYourGroup(updated));
    },
  );

  resource(router, '/groups/:id', {
    get: endpoint(
      {
        summary: 'Get a group',
        description: 'One of your groups, with your role; admins also see its `invitation_code`.',
        params: groupPath,
        responses: { 200: { description: 'The group.', body: groupView } },
      },
      async (req, res, { params }) => {
        const group = authorize(await findGroup(knex, actorOf(req), params.id));
        if (notModified(req, res, groupTag(group))) return;
        res.json(presentYourGroup(group));
      },
    ),
    put: update,
    patch: update,
    delete: endpoint(
      {
        summary: 'Deactivate a group',
        description: 'Admins. The group and everything in it become invisible (404) to everyone.',
        params: groupPath,
        responses: { 204: { description: 'Deactivated.' } },
        errors: { 403: MEMBER },
      },
      async (req, res, { params }) => {
        await knex.transaction(async (trx) => {
          const group = authorize(await findGroup(trx, actorOf(req), params.id, { lock: true }), mayAdministerGroup);
          requireMatch(req, groupTag(group));
          await deactivateGroup(trx, group);
        });
        res.status(204).end();
      },
    ),
  });

  resource(router, '/groups/:id/invitation_code', {
    post: endpoint(
      {
        summary: "Replace a group's join code",
        description: 'Admins. The old code stops working at once.',
        params: groupPath,
        responses: { 200: { description: 'The group with its new `invitation_code`.', body: groupView } },
        errors: { 403: MEMBER },
      },
      async (req, res, { params }) => {
        const actor = actorOf(req);
        const group = authorize(await findGroup(knex, actor, params.id), mayAdministerGroup);
        await replaceJoinCode(knex, group);
        const rekeyed = authorize(await findGroup(knex, actor, group.id));
        withTag(res, groupTag(rekeyed)).json(presentYourGroup(rekeyed));
      },
    ),
  });

  return router;
}
