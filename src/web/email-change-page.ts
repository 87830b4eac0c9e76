// Changing the email address (SPEC §7; the rules are in ../accounts/email-change.ts).
//
//   GET/POST /account/email          signed in; the new address and the current password. The
//                                    reply is the same whether or not the address is taken; at
//                                    most EMAIL_CHANGE_MAILS_PER_HOUR requests an hour (429)
//   GET /confirm-email?token the button, if the link is usable; a GET spends nothing
//   POST /confirm-email      spends the link: the address changes, verified
//
// Confirming needs no session: the link proves the new mailbox, and the password was given
// when the change was asked for.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../config';
import type { FieldErrors } from '../errors';
import {
  EMAIL_CHANGE_MAILS_PER_HOUR,
  confirmEmailChange,
  requestEmailChange,
  type EmailChangeOutcome,
} from '../accounts/email-change';
import { findUsableLink, linksMadeInLastHour } from '../accounts/links';
import { isCurrentPassword } from '../accounts/passwords';
import { findAccountStatus } from '../accounts/verification';
import { markWrongPassword } from '../http/rate-limits';
import { isUniqueViolation, newUserSchema } from '../users/users';
import { csrfProtection } from './csrf';
import { renderPage, requireLogin } from './render';

const emailSchema = newUserSchema.shape.email;
const field = (body: Record<string, unknown>, name: string) => (typeof body[name] === 'string' ? body[name] : '');
const tokenOf = (value: unknown) => (typeof value === 'string' ? value.slice(0, 200) : '');

const REFUSED =
  'This confirmation link cannot be used: it was already used, it has expired (links last 24 hours), ' +
  'a newer one was sent, the password was changed since, or it is not one of ours.';
const TAKEN = 'That address now belongs to another SeatShare account, so yours was not changed.';

export function emailChangePage(knex: Knex, config: Config, passwordLimiter: RequestHandler): Router {
  const router = Router();

  const form = async (req: Request, res: Response, locals: Record<string, unknown> = {}, status = 200) => {
    const account = await findAccountStatus(knex, req.user!.id);
    renderPage(
      req,
      res,
      'account/email',
      {
        title: 'Email address',
        email: account?.email ?? '',
        verified: account?.email_verified_at != null,
        newEmail: '',
        ...locals,
      },
      status,
    );
  };

  router.get('/account/email', requireLogin, (req, res) => form(req, res));

  router.post('/account/email', requireLogin, csrfProtection, passwordLimiter, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const typed = field(body, 'new_email');
    const fieldErrors: FieldErrors = {};
    const email = emailSchema.safeParse(typed);
    if (!email.success) fieldErrors.new_email = email.error.issues.map((issue) => issue.message);
    else if (email.data.toLowerCase() === req.user!.email.toLowerCase())
      fieldErrors.new_email = ['is already your address'];
    const password = field(body, 'current_password');
    if (password === '' || !(await isCurrentPassword(knex, req.user!.id, password))) {
      markWrongPassword(res); // counted like a failed login (rate-limits.ts)
      fieldErrors.current_password = ['is not your current password'];
    }
    if (!email.success || Object.keys(fieldErrors).length > 0)
      return form(req, res, { newEmail: typed, fieldErrors, error: 'Please correct the marked fields.' }, 400);

    const sent = await knex.transaction(async (trx) => {
      // Locked, so two requests at once count one after the other.
      const account = await findAccountStatus(trx, req.user!.id, { lock: true });
      if (!account) return false;
      if ((await linksMadeInLastHour(trx, account.id, 'change_email')) >= EMAIL_CHANGE_MAILS_PER_HOUR) return false;
      await requestEmailChange(trx, config.baseUrl, account, email.data);
      return true;
    });
    if (!sent) {
      const error =
        `You asked for ${EMAIL_CHANGE_MAILS_PER_HOUR} address changes in the last hour. ` +
        'Please use the newest link, or try again in an hour.';
      return form(req, res, { newEmail: typed, error }, 429);
    }
    await form(req, res, {
      notice:
        `We sent a confirmation link to ${email.data}. Your address does not change until you follow it ` +
        '(within 24 hours). Earlier links no longer work.',
    });
  });

  // --- Following the link --------------------------------------------------------------------

  const confirmPage = (req: Request, res: Response, locals: Record<string, unknown>, status = 200) =>
    renderPage(req, res, 'confirm-email-change', { title: 'Confirm your new email address', ...locals }, status);

  router.get('/confirm-email', async (req, res) => {
    const token = tokenOf(req.query.token);
    const link = token ? await findUsableLink(knex, token, 'change_email') : undefined;
    if (!link?.new_email) return confirmPage(req, res, { state: 'refused', error: REFUSED }, 400);
    confirmPage(req, res, { state: 'confirm', token, newEmail: link.new_email });
  });

  router.post('/confirm-email', csrfProtection, async (req, res) => {
    const token = tokenOf((req.body as Record<string, unknown>).token);
    let result: EmailChangeOutcome = { outcome: 'refused' };
    try {
      if (token) result = await knex.transaction((trx) => confirmEmailChange(trx, config.baseUrl, token));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      result = { outcome: 'taken' }; // a sign-up took the address between our check and the update
    }
    if (result.outcome === 'refused') return confirmPage(req, res, { state: 'refused', error: REFUSED }, 400);
    if (result.outcome === 'taken') return confirmPage(req, res, { state: 'refused', error: TAKEN }, 409);
    confirmPage(req, res, {
      title: 'Your email address is changed',
      state: 'done',
      newEmail: result.newEmail,
      signedIn: req.user?.id === result.userId,
    });
  });

  return router;
}
