// /account/authorizations (revoke an app: its consent goes and its tokens for you are revoked)
// and /account/tokens (personal API tokens, shown once, with an optional expiry). An account
// whose email is not verified sees a notice with a resend button, and mints no token (SPEC §7).
import { Router } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { notFound } from '../errors';
import { listAuthorizationsOfUser } from '../oauth/consents';
import { findClientByClientId, revokeAuthorization } from '../oauth/store';
import {
  TOKEN_LIFETIME_CHOICES,
  createPersonalToken,
  deletePersonalToken,
  listPersonalTokens,
} from '../auth/personal-tokens';
import { csrfProtection } from './csrf';
import { renderPage, requireLogin } from './render';
import { unverifiedNotice } from './verification-pages';

const tokenNameSchema = z.string().trim().min(1, 'must not be blank').max(100, 'must be at most 100 characters');
// The form's choices: a number of days, or "none" (the token does not expire).
const LIFETIME_VALUES: string[] = TOKEN_LIFETIME_CHOICES.map((days) => (days === null ? 'none' : String(days)));
const lifetimeSchema = z
  .string()
  .refine((value) => LIFETIME_VALUES.includes(value), 'must be one of the offered choices');

export function accountPages(knex: Knex): Router {
  const router = Router();
  router.use('/account', requireLogin);

  router.get('/account/authorizations', async (req, res) => {
    renderPage(req, res, 'account/authorizations', {
      title: 'Authorized applications',
      authorizations: await listAuthorizationsOfUser(knex, req.user!.id),
      unverified: await unverifiedNotice(knex, req.user!.id),
    });
  });

  router.post('/account/authorizations/:clientId/revoke', csrfProtection, async (req, res) => {
    const client = await findClientByClientId(knex, req.params.clientId as string);
    if (!client) throw notFound('There is no such application.');
    await revokeAuthorization(knex, req.user!.id, client.id);
    res.redirect(303, '/account/authorizations');
  });

  const showTokens = async (
    req: Parameters<typeof renderPage>[0],
    res: Parameters<typeof renderPage>[1],
    extra: Record<string, unknown> = {},
    status = 200,
  ) =>
    renderPage(
      req,
      res,
      'account/tokens',
      {
        title: 'Personal API tokens',
        tokens: await listPersonalTokens(knex, req.user!.id),
        lifetimes: TOKEN_LIFETIME_CHOICES,
        now: new Date(),
        created: null,
        unverified: await unverifiedNotice(knex, req.user!.id),
        ...extra,
      },
      status,
    );

  router.get('/account/tokens', async (req, res) => showTokens(req, res));

  router.post('/account/tokens', csrfProtection, async (req, res) => {
    const unverified = await unverifiedNotice(knex, req.user!.id);
    if (unverified) return showTokens(req, res, { error: unverified.reason }, 403); // SPEC §7
    const body = req.body as Record<string, unknown>;
    const name = tokenNameSchema.safeParse(body.name);
    const lifetime = lifetimeSchema.safeParse(body.expires_in_days ?? '30');
    if (!name.success || !lifetime.success) {
      const fieldErrors = {
        ...(name.success ? {} : { name: name.error.issues.map((i) => i.message) }),
        ...(lifetime.success ? {} : { expires_in_days: lifetime.error.issues.map((i) => i.message) }),
      };
      await showTokens(
        req,
        res,
        { fieldErrors, error: name.success ? 'Please choose when the token expires.' : 'Please name the token.' },
        400,
      );
      return;
    }
    const scopes = [body.scope].flat();
    const scope = scopes.includes('write') ? ['read', 'write'] : ['read'];
    const expiresInDays = lifetime.data === 'none' ? null : Number(lifetime.data);
    const { row, token } = await createPersonalToken(knex, req.user!.id, { name: name.data, scope, expiresInDays });
    await showTokens(req, res, {
      created: { name: row.name, token, expiresAt: row.expires_at },
      notice: 'Token created.',
    });
  });

  router.post('/account/tokens/:id/revoke', csrfProtection, async (req, res) => {
    const deleted = await deletePersonalToken(knex, req.user!.id, String(req.params.id));
    if (!deleted) throw notFound('There is no such token among yours.');
    res.redirect(303, '/account/tokens');
  });

  return router;
}
