// /join?code=…: where an invitation's join_url leads (POST /api/v1/groups/:id/invitations mails
// it, SPEC §7). A signed-in user confirms with a button (a GET never joins anything: mail scanners
// fetch links). Someone signed out sees the invitation and two ways on, "Log in" and "Create an
// account", both with return_to back here (sign-up carries it through the verification mail).
// Only a usable single-use invitation code shows its group and inviter (previewInvitation); a
// group's join code or a wrong code shows nothing about any group. The same joinWithCode as
// POST /groups/join. An account whose email is not verified is told so instead of shown the form.
import { Router } from 'express';
import type { Knex } from 'knex';
import { HttpError } from '../errors';
import { parseInput } from '../http/validate';
import { findGroup, formatUtc, joinWithCode, previewInvitation } from '../api/v1/groups/public';
import { joinGroupBody } from '../api/v1/groups/schema';
import type { Actor } from '../policies/actor';
import { csrfProtection } from './csrf';
import { renderPage, requireLogin } from './render';
import { unverifiedNotice } from './verification-pages';

const TITLE = 'Join a group';

export function joinPage(knex: Knex): Router {
  const router = Router();

  router.get('/join', async (req, res) => {
    const code = typeof req.query.code === 'string' ? req.query.code.slice(0, 200) : '';
    const returnTo = code ? `/join?code=${encodeURIComponent(code)}` : '/join';
    const preview = code ? await previewInvitation(knex, code) : undefined;
    const invitation = preview && { ...preview, expires: formatUtc(preview.expiresAt) };
    // A single-use code that opens nothing is said to be so (nothing to enumerate in 256 bits);
    // a join code is not checked here, so this page cannot be asked which ones work.
    const spent = !preview && code.startsWith('ssi_');
    const locals = { title: TITLE, code, joined: null, returnTo, invitation, spent };
    if (!req.user) return renderPage(req, res, 'join', { ...locals, signedOut: true });
    const unverified = await unverifiedNotice(knex, req.user.id);
    renderPage(req, res, 'join', { ...locals, unverified });
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
