// /api/v1/groups/:id/members/:user_id and /api/v1/groups/:id/invitations (SPEC §5, §7): admins
// invite (the invitation is mailed), remove and promote or demote; members leave. A group keeps
// at least one admin (409).
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Config } from '../../../config';
import { conflict } from '../../../errors';
import { pageSender } from '../../../http/pagination';
import { requireMatchWithoutVersion } from '../../../http/conditional';
import { endpoint, guardRoutes, resource } from '../../../http/routes';
import { actorOf } from '../../../policies/actor';
import { authorize } from '../../../policies/authorize';
import { isLastAdmin, mayAdministerGroup, mayRemoveMember } from '../../../policies/rules';
import {
  INVITATIONS_PER_GROUP_PER_HOUR,
  INVITATIONS_PER_INVITER_PER_DAY,
  cancelInvitation,
  findInvitation,
  listInvitations,
  lockInviter,
  sendInvitation,
} from './invitations';
import { changeRole, findMember, removeMember } from './members';
import { invitationView, membershipView, presentInvitation, presentMembership } from './presenter';
import { findGroup } from './queries';
import {
  changeRoleBody,
  createInvitationBody,
  groupPath,
  invitationPath,
  listInvitationsQuery,
  memberPath,
} from './schema';

const LAST_ADMIN = 'A group keeps at least one admin: promote another member first.';
const MEMBER = 'A member who is not an admin of the group.';

export function membershipRoutes(knex: Knex, config: Config, guards: RequestHandler[]): Router {
  const router = guardRoutes(Router(), ...guards);
  const sendPage = pageSender(knex, config.baseUrl);

  resource(router, '/groups/:id/members/:user_id', {
    patch: endpoint(
      {
        summary: "Change a member's role",
        description: 'Admins promote members to admin and demote admins.',
        params: memberPath,
        body: changeRoleBody,
        responses: { 200: { description: 'The membership.', body: membershipView } },
        errors: { 403: MEMBER, 409: 'The member is the last admin.' },
      },
      async (req, res, { params, body }) => {
        const actor = actorOf(req);
        await knex.transaction(async (trx) => {
          // The group's row lock serialises role changes and departures: two admins cannot
          // demote each other at once and leave none.
          const group = authorize(await findGroup(trx, actor, params.id, { lock: true }), mayAdministerGroup);
          const member = authorize(await findMember(trx, actor, group, params.user_id));
          requireMatchWithoutVersion(req);
          if (body.role === 'member' && isLastAdmin(member, member.admin_count)) throw conflict(LAST_ADMIN);
          await changeRole(trx, group, member, body.role);
        });
        res.json(presentMembership({ user_id: params.user_id, role: body.role }));
      },
    ),
    delete: endpoint(
      {
        summary: 'Remove a member, or leave',
        params: memberPath,
        description:
          "Admins remove members; anyone removes themselves. The member's own tickets in the group are deleted and " +
          'tickets assigned to them become available, in one transaction, each recorded in ticket history.',
        responses: { 204: { description: 'Removed.' } },
        errors: { 403: 'A member removing someone else.', 409: 'The member is the last admin.' },
      },
      async (req, res, { params }) => {
        const actor = actorOf(req);
        await knex.transaction(async (trx) => {
          const group = authorize(await findGroup(trx, actor, params.id, { lock: true }), (found) =>
            mayRemoveMember(actor, found, params.user_id),
          );
          const member = authorize(await findMember(trx, actor, group, params.user_id));
          requireMatchWithoutVersion(req);
          if (isLastAdmin(member, member.admin_count)) throw conflict(LAST_ADMIN);
          await removeMember(trx, actor, group, member);
        });
        res.status(204).end();
      },
    ),
  });

  resource(router, '/groups/:id/invitations', {
    get: endpoint(
      {
        summary: "List a group's invitations",
        description: 'Admins. Newest first; codes are never shown again.',
        params: groupPath,
        query: listInvitationsQuery,
        responses: { 200: { description: 'A page of invitations.', body: z.array(invitationView), paginated: true } },
        errors: { 403: MEMBER },
      },
      async (req, res, { params, query: page }) => {
        const actor = actorOf(req);
        const group = authorize(await findGroup(knex, actor, params.id), mayAdministerGroup);
        await sendPage(req, res, listInvitations(knex, actor, group), page, presentInvitation);
      },
    ),
    post: endpoint(
      {
        summary: 'Invite someone by email',
        description:
          'Admins. SeatShare mails the invitation to the address: who invites, the group, the `join_url` ' +
          '(which signs the person in or up, then joins) and when it expires. The single-use `code` and the ' +
          '`join_url` are also in this reply, and only here. At most ' +
          `${INVITATIONS_PER_GROUP_PER_HOUR} invitations per group per hour and ${INVITATIONS_PER_INVITER_PER_DAY} ` +
          'per inviter per day (429 with `Retry-After`); an address with a pending invitation to the group gets ' +
          'no second one (409: cancel the first).',
        params: groupPath,
        body: createInvitationBody,
        responses: { 201: { description: 'The invitation, with its code.', body: invitationView, location: true } },
        errors: {
          403: MEMBER,
          409: 'The address already has a pending invitation to this group.',
          429: 'The group or the inviter has sent as many invitations as it may for now: see `Retry-After`.',
        },
      },
      async (req, res, { params, body }) => {
        const actor = actorOf(req);
        const { invitation, code, joinUrl } = await knex.transaction(async (trx) => {
          // The group's row, then the inviter's: concurrent invitations are counted one at a time.
          const group = authorize(await findGroup(trx, actor, params.id, { lock: true }), mayAdministerGroup);
          const inviter = authorize(await lockInviter(trx, actor));
          return sendInvitation(trx, config.baseUrl, actor, { group, inviter, email: body.email });
        });
        res
          .status(201)
          .location(`${config.baseUrl}/api/v1/groups/${params.id}/invitations/${invitation.id}`)
          .json(presentInvitation(invitation, { code, joinUrl }));
      },
    ),
  });

  resource(router, '/groups/:id/invitations/:invitation_id', {
    get: endpoint(
      {
        summary: 'Get an invitation',
        description: 'Admins. Its status; the code is never shown again.',
        params: invitationPath,
        responses: { 200: { description: 'The invitation.', body: invitationView } },
        errors: { 403: MEMBER },
      },
      async (req, res, { params }) => {
        const actor = actorOf(req);
        const group = authorize(await findGroup(knex, actor, params.id), mayAdministerGroup);
        res.json(presentInvitation(authorize(await findInvitation(knex, actor, group, params.invitation_id))));
      },
    ),
    delete: endpoint(
      {
        summary: 'Cancel an invitation',
        description: 'Admins. Its code stops working.',
        params: invitationPath,
        responses: { 204: { description: 'Cancelled.' } },
        errors: { 403: MEMBER, 409: 'The invitation was already accepted.' },
      },
      async (req, res, { params }) => {
        const actor = actorOf(req);
        const group = authorize(await findGroup(knex, actor, params.id), mayAdministerGroup);
        const invitation = authorize(await findInvitation(knex, actor, group, params.invitation_id));
        requireMatchWithoutVersion(req);
        if (!(await cancelInvitation(knex, invitation)))
          throw conflict('This invitation was already accepted; remove the member instead.');
        res.status(204).end();
      },
    ),
  });

  return router;
}
