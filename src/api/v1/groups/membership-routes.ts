// /api/v1/groups/:id/members/:user_id and /api/v1/groups/:id/invitations (SPEC §5): admins
// invite, remove and promote or demote; members leave. A group keeps at least one admin (409).
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../../../config';
import { conflict } from '../../../errors';
import { fetchPage, setPageHeaders } from '../../../http/pagination';
import { guardRoutes, resource } from '../../../http/routes';
import { parseBody, parseQuery } from '../../../http/validate';
import { actorOf } from '../../../policies/actor';
import { authorize } from '../../../policies/authorize';
import { isLastAdmin, mayAdministerGroup, mayRemoveMember } from '../../../policies/rules';
import { cancelInvitation, createInvitation, findInvitation, listInvitations, presentInvitation, type InvitationRow } from './invitations';
import { changeRole, findMember, removeMember } from './members';
import { findGroup } from './queries';
import { changeRoleBody, createInvitationBody, listInvitationsQuery } from './schema';

const LAST_ADMIN = 'A group keeps at least one admin: promote another member first.';

export function membershipRoutes(knex: Knex, config: Config, guards: RequestHandler[]): Router {
  const router = guardRoutes(Router(), ...guards);

  resource(router, '/groups/:id/members/:user_id', {
    patch: async (req, res) => {
      const actor = actorOf(req);
      const { role } = parseBody(changeRoleBody, req);
      await knex.transaction(async (trx) => {
        // The group's row lock serialises role changes and departures: two admins cannot
        // demote each other at once and leave none.
        const group = authorize(await findGroup(trx, actor, String(req.params.id), { lock: true }), mayAdministerGroup);
        const member = authorize(await findMember(trx, actor, group, String(req.params.user_id)));
        if (role === 'member' && isLastAdmin(member, member.admin_count)) throw conflict(LAST_ADMIN);
        await changeRole(trx, group, member, role);
      });
      res.json({ user_id: String(req.params.user_id), role });
    },
    delete: async (req, res) => {
      const actor = actorOf(req);
      const userId = String(req.params.user_id);
      await knex.transaction(async (trx) => {
        const group = authorize(await findGroup(trx, actor, String(req.params.id), { lock: true }), (found) => mayRemoveMember(actor, found, userId));
        const member = authorize(await findMember(trx, actor, group, userId));
        if (isLastAdmin(member, member.admin_count)) throw conflict(LAST_ADMIN);
        await removeMember(trx, actor, group, member);
      });
      res.status(204).end();
    },
  });

  resource(router, '/groups/:id/invitations', {
    get: async (req, res) => {
      const actor = actorOf(req);
      const page = parseQuery(listInvitationsQuery, req);
      const group = authorize(await findGroup(knex, actor, String(req.params.id)), mayAdministerGroup);
      const { rows, total } = await fetchPage<InvitationRow>(knex, listInvitations(knex, actor, group), page);
      setPageHeaders(req, res, config.baseUrl, page, total);
      res.json(rows.map((invitation) => presentInvitation(invitation)));
    },
    post: async (req, res) => {
      const actor = actorOf(req);
      const { email } = parseBody(createInvitationBody, req);
      const group = authorize(await findGroup(knex, actor, String(req.params.id)), mayAdministerGroup);
      const { invitation, code } = await createInvitation(knex, actor, group, email);
      const joinUrl = `${config.baseUrl}/join?code=${encodeURIComponent(code)}`;
      res
        .status(201)
        .location(`${config.baseUrl}/api/v1/groups/${group.id}/invitations/${invitation.id}`)
        .json(presentInvitation(invitation, { code, joinUrl }));
    },
  });

  resource(router, '/groups/:id/invitations/:invitation_id', {
    delete: async (req, res) => {
      const actor = actorOf(req);
      const group = authorize(await findGroup(knex, actor, String(req.params.id)), mayAdministerGroup);
      const invitation = authorize(await findInvitation(knex, actor, group, String(req.params.invitation_id)));
      if (invitation.accepted_at) throw conflict('This invitation was already accepted; remove the member instead.');
      await cancelInvitation(knex, invitation);
      res.status(204).end();
    },
  });

  return router;
}
