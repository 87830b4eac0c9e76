// Deleting an account (SPEC §7), pages only: /account/delete shows what goes and, up front, the
// groups that stop it (the user is their last admin and others are in them); the POST asks for
// the current password, counted like a failed login when wrong (the password-change limiter,
// keyed by account, so the two forms share one budget of guesses), then deletes the account in
// one transaction (accounts/deletion.ts) and signs this browser out.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Knex } from 'knex';
import { GroupsChangedDuringDeletion, deleteAccount, previewDeletion } from '../accounts/deletion';
import { isCurrentPassword } from '../accounts/passwords';
import { markWrongPassword } from '../http/rate-limits';
import { csrfProtection } from './csrf';
import { renderPage, requireLogin } from './render';
import { regenerateSession } from './session';

const GROUPS_CHANGED =
  'Your groups changed while your account was being deleted (you joined one meanwhile), so nothing was deleted. ' +
  'Please look again and retry.';
const LAST_ADMIN = 'Your account cannot be deleted yet: you are the last admin of a group with other members.';

export function accountDeletionPage(knex: Knex, baseUrl: string, passwordLimiter: RequestHandler): Router {
  const router = Router();

  const form = async (req: Request, res: Response, locals: Record<string, unknown> = {}, status = 200) =>
    renderPage(
      req,
      res,
      'account/delete',
      { title: 'Delete your account', ...(await previewDeletion(knex, req.user!.id)), ...locals },
      status,
    );

  router.get('/account/delete', requireLogin, (req, res) => form(req, res));

  router.post('/account/delete', requireLogin, csrfProtection, passwordLimiter, async (req, res) => {
    const user = req.user!;
    const password: unknown = (req.body as Record<string, unknown>).current_password;
    if (typeof password !== 'string' || password === '' || !(await isCurrentPassword(knex, user.id, password))) {
      markWrongPassword(res); // counted like a failed login (rate-limits.ts)
      const fieldErrors = { current_password: ['is not your current password'] };
      return form(req, res, { fieldErrors, error: 'Your account was not deleted.' }, 400);
    }
    let outcome: Awaited<ReturnType<typeof deleteAccount>>;
    try {
      outcome = await knex.transaction((trx) => deleteAccount(trx, user.id, { baseUrl }));
    } catch (error) {
      if (!(error instanceof GroupsChangedDuringDeletion)) throw error;
      return form(req, res, { error: GROUPS_CHANGED }, 409);
    }
    if (!outcome.deleted) return form(req, res, { lastAdminOf: outcome.lastAdminOf, error: LAST_ADMIN }, 409);
    await regenerateSession(req);
    renderPage(req, res, 'account/deleted', { title: 'Your account is deleted', email: user.email });
  });

  return router;
}
