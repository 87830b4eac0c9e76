// Password reset by mailed link and password change (SPEC §7).
//
//   GET/POST /forgot-password   the same reply whether or not the address has an account; for one
//                               that has, a 1-hour single-use link is mailed (limited per IP: 429,
//                               and per address: silently no more mail, the same reply)
//   GET /reset-password?token   the form, if the link is usable — without spending it: mail
//                               scanners fetch links before people click them
//   POST /reset-password        spends the link with the new hash, signs out every session,
//                               this browser's included, and mails "your password was changed";
//                               the address is verified (the link proved it)
//   GET/POST /account/password  signed in, current password required; signs out the other sessions
//
// Personal tokens and app grants stay (SPEC §7); the mail links to the pages that revoke them.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../config';
import type { FieldErrors } from '../errors';
import { createLink, findUsableLink, revokeLinks, spendLink } from '../accounts/links';
import { isCurrentPassword, setPasswordHash } from '../accounts/passwords';
import { passwordChangedMail } from '../accounts/notifications';
import { findAccountStatus, markVerified } from '../accounts/verification';
import { markWrongPassword, resetMailWithheld } from '../http/rate-limits';
import { enqueueMail } from '../mail/outbox';
import { hashPassword } from '../security/passwords';
import { findSessionUser, findUserByEmail, newUserSchema, type SessionUserRow } from '../users/users';
import { csrfProtection } from './csrf';
import { renderPage, requireLogin } from './render';
import { regenerateSession } from './session';
import { deleteSessionsOfUser } from './session-store';

const emailSchema = newUserSchema.shape.email;
const passwordSchema = newUserSchema.shape.password; // the rules of sign-up

const field = (body: Record<string, unknown>, name: string) => (typeof body[name] === 'string' ? body[name] : '');

/** The new password, or the form's errors: sign-up's rules, typed twice alike. */
function readNewPassword(body: Record<string, unknown>): { password?: string; fieldErrors: FieldErrors } {
  const parsed = passwordSchema.safeParse(field(body, 'new_password'));
  if (!parsed.success) return { fieldErrors: { new_password: parsed.error.issues.map((issue) => issue.message) } };
  if (field(body, 'confirm_password') !== parsed.data)
    return { fieldErrors: { confirm_password: ['does not match the new password'] } };
  return { password: parsed.data, fieldErrors: {} };
}

export function passwordPages(
  knex: Knex,
  config: Config,
  resetLimiters: RequestHandler[],
  changeLimiter: RequestHandler,
): Router {
  const router = Router();

  // --- Asking for a link -------------------------------------------------------------------

  const forgotForm = (req: Request, res: Response, locals: Record<string, unknown>, status = 200) =>
    renderPage(
      req,
      res,
      'forgot-password',
      { title: 'Reset your password', sent: false, email: '', ...locals },
      status,
    );

  router.get('/forgot-password', (req, res) => forgotForm(req, res, {}));

  router.post('/forgot-password', csrfProtection, ...resetLimiters, async (req, res) => {
    const typed = field(req.body as Record<string, unknown>, 'email');
    const email = emailSchema.safeParse(typed);
    if (!email.success) {
      const fieldErrors = { email: email.error.issues.map((issue) => issue.message) };
      return forgotForm(req, res, { email: typed, fieldErrors, error: 'Please enter your email address.' }, 400);
    }
    // Past the address's limit nothing is sent, and the reply does not change (rate-limits.ts).
    const user = resetMailWithheld(res) ? undefined : await findUserByEmail(knex, email.data);
    if (user) {
      await knex.transaction(async (trx) => {
        await findAccountStatus(trx, user.id, { lock: true }); // the user's row first, then links (links.ts)
        await revokeLinks(trx, user.id, 'reset_password'); // the newest link is the one that works
        const token = await createLink(trx, { userId: user.id, purpose: 'reset_password' });
        await enqueueMail(trx, {
          to: user.email,
          subject: 'Reset your SeatShare password',
          template: 'reset-password',
          data: {
            name: user.first_name,
            email: user.email,
            link: `${config.baseUrl}/reset-password?token=${encodeURIComponent(token)}`,
          },
        });
      });
    }
    forgotForm(req, res, { sent: true, email: email.data });
  });

  // --- Using the link ----------------------------------------------------------------------

  const refused = (req: Request, res: Response) =>
    renderPage(req, res, 'reset-password-refused', { title: 'This link cannot be used' }, 400);

  /** The link's token and user, if it is usable now; spends nothing. */
  const usableLink = async (token: unknown) => {
    if (typeof token !== 'string' || token === '') return undefined;
    const link = await findUsableLink(knex, token, 'reset_password');
    const user = link && (await findSessionUser(knex, link.user_id));
    return user ? { token, user } : undefined;
  };

  const resetForm = (req: Request, res: Response, token: string, user: SessionUserRow, extra = {}, status = 200) =>
    renderPage(
      req,
      res,
      'reset-password',
      { title: 'Choose a new password', token, email: user.email, ...extra },
      status,
    );

  router.get('/reset-password', async (req, res) => {
    const link = await usableLink(req.query.token);
    if (!link) return refused(req, res);
    resetForm(req, res, link.token, link.user);
  });

  router.post('/reset-password', csrfProtection, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const link = await usableLink(body.token);
    if (!link) return refused(req, res); // before hashing: a dead link costs no argon2
    const { password, fieldErrors } = readNewPassword(body);
    if (password === undefined)
      return resetForm(
        req,
        res,
        link.token,
        link.user,
        { fieldErrors, error: 'Please correct the marked fields.' },
        400,
      );

    const passwordHash = await hashPassword(password);
    const reset = await knex.transaction(async (trx) => {
      const spent = await spendLink(trx, link.token, 'reset_password'); // one of two racing submissions; locks the user
      if (!spent) return false;
      await setPasswordHash(trx, spent.user_id, passwordHash);
      await revokeLinks(trx, spent.user_id, 'reset_password');
      await revokeLinks(trx, spent.user_id, 'change_email'); // a hijacker's pending change dies with the password
      await markVerified(trx, spent.user_id); // the link came to this mailbox: that proves the address
      await deleteSessionsOfUser(trx, spent.user_id);
      await enqueueMail(trx, passwordChangedMail(config.baseUrl, link.user, 'reset'));
      return true;
    });
    if (!reset) return refused(req, res);
    // This browser's session row may be one just deleted: a new one, so it is not saved back.
    await regenerateSession(req);
    renderPage(req, res, 'reset-password-done', { title: 'Your password is reset' });
  });

  // --- Changing it, signed in ----------------------------------------------------------------

  const changeForm = (req: Request, res: Response, locals: Record<string, unknown> = {}, status = 200) =>
    renderPage(req, res, 'account/password', { title: 'Change your password', ...locals }, status);

  router.get('/account/password', requireLogin, (req, res) => changeForm(req, res));

  router.post('/account/password', requireLogin, csrfProtection, changeLimiter, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const user = req.user!;
    const current = field(body, 'current_password');
    const { password, fieldErrors } = readNewPassword(body);
    const currentIsRight = current !== '' && (await isCurrentPassword(knex, user.id, current));
    if (!currentIsRight) {
      markWrongPassword(res); // counted like a failed login (rate-limits.ts)
      fieldErrors.current_password = ['is not your current password'];
    }
    if (password === undefined || !currentIsRight)
      return changeForm(req, res, { fieldErrors, error: 'Please correct the marked fields.' }, 400);

    const passwordHash = await hashPassword(password);
    await knex.transaction(async (trx) => {
      await setPasswordHash(trx, user.id, passwordHash);
      await revokeLinks(trx, user.id, 'reset_password'); // a link asked for earlier would undo this
      await revokeLinks(trx, user.id, 'change_email'); // as would an email change asked for earlier
      await deleteSessionsOfUser(trx, user.id, req.sessionID);
      await enqueueMail(trx, passwordChangedMail(config.baseUrl, user, 'changed'));
    });
    changeForm(req, res, { notice: 'Password changed. Your other sessions were signed out.' });
  });

  return router;
}
