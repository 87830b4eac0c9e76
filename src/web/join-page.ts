// /join?code=…: where an invitation's join_url leads (POST /api/v1/groups/:id/invitations).
// A signed-in user confirms with a button (a GET never joins anything); someone signed out
// logs in or signs up first and comes back here. The same joinWithCode as POST /groups/join.
// An account whose email is not verified is told so instead of shown the form (SPEC §7).
import { Router } from 'express';
import type { Knex } from 'knex';
import { HttpError } from '../errors';
import { parseInput } from '../http/validate';
import { findGroup, joinWithCode } from '../api/v1/groups/public';
import { joinGroupBody } from '../api/v1/groups/schema';
import type { Actor } from '../policies/actor';
import { csrfProtection } from './csrf';
import { renderPage, requireLogin } from './render';
import { unverifiedNotice } from './verification-pages';

const TITLE = 'Join a group';

export function joinPage(knex: Knex): Router {
  const router = Router();

  router.get('/join', requireLogin, async (req, res) => {
    const code = typeof req.query.code === 'string' ? req.query.code.slice(0, 200) : '';
    const unverified = await unverifiedNotice(knex, req.user!.id);
    renderPage(req, res, 'join', { title: TITLE, code, joined: null, unverified, returnTo: req.originalUrl });
  });

  router.post('/join', requireLogin, csrfProtection, async (req, res) => {
    const actor: Actor = { userId: req.user!.id };
    const posted: unknown = (req.body as Record<string, unknown>).code;
    const code = typeof posted === 'string' ? posted : '';
    // joinWithCode refuses too (the API's 403); here the page says why and offers a new link.
    const unverified = await unverifiedNotice(knex, actor.userId);
    if (unverified) {
      const returnTo = `/join?code=${encodeURIComponent(code.slice(0, 200))}`;
      const locals = { title: TITLE, code, joined: null, unverified, returnTo, error: unverified.reason };
      return renderPage(req, res, 'join', locals, 403);
    }
    try {
      const body = parseInput(joinGroupBody, { code });
      const groupId = await knex.transaction((trx) => joinWithCode(trx, actor, body.code));
      const group = await findGroup(knex, actor, groupId);
      renderPage(req, res, 'join', {
        title: TITLE,
        code: '',
        joined: group ? { id: group.id, name: group.name } : null,
        notice: 'Welcome aboard.',
      });
    } catch (error) {
      if (!(error instanceof HttpError) || (error.status !== 400 && error.status !== 409)) throw error;
      const fieldErrors = error.status === 400 ? (error.options.fields ?? { code: [error.detail] }) : {};
      renderPage(
        req,
        res,
        'join',
        { title: TITLE, code, joined: null, error: error.detail, fieldErrors },
        error.status,
      );
    }
  });

  return router;
}
