// Verifying an email address (SPEC §7). GET /verify-email?token=… only shows a button: mail
// scanners fetch links, so a GET must not spend one; the POST (CSRF) spends it and marks the
// address verified. /account/verification tells a signed-in user where they stand and mails a
// new link, at most VERIFICATION_MAILS_PER_HOUR an hour (counted from the links themselves, so
// the limit holds across processes and restarts).
import { Router, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import { findUsableLink, linksMadeInLastHour, spendLink } from '../accounts/links';
import {
  VERIFICATION_MAILS_PER_HOUR,
  findAccountStatus,
  markVerified,
  sendVerificationMail,
} from '../accounts/verification';
import { requireVerified } from '../policies/rules';
import { csrfProtection } from './csrf';
import { renderPage, requireLogin, safeReturnTo } from './render';

/** What a page tells a signed-in user who may not act yet, or null when they may. */
export interface UnverifiedNotice {
  email: string;
  reason: string;
}

/** The page side of requireVerified: every page that approves, mints or joins asks this. */
export async function unverifiedNotice(knex: Knex, userId: string): Promise<UnverifiedNotice | null> {
  const account = await findAccountStatus(knex, userId);
  const verdict = requireVerified(account ?? { email_verified_at: null });
  return verdict.allowed ? null : { email: account?.email ?? '', reason: verdict.reason };
}

const DEFAULT_RETURN_TO = safeReturnTo(undefined);
/** A return_to worth carrying (not the default page). */
const carried = (value: unknown) => {
  const path = safeReturnTo(value);
  return path === DEFAULT_RETURN_TO ? undefined : path;
};
const tokenOf = (value: unknown) => (typeof value === 'string' ? value.slice(0, 200) : '');

const REFUSED =
  'This verification link cannot be used: it was already used, it has expired (links last 24 hours), ' +
  'or it is not one of ours.';

export function verificationPages(knex: Knex, baseUrl: string): Router {
  const router = Router();

  const refuse = (req: Request, res: Response) =>
    renderPage(req, res, 'verify-email', { title: 'Verify your email', state: 'refused', error: REFUSED }, 400);

  router.get('/verify-email', async (req, res) => {
    const token = tokenOf(req.query.token);
    if (!token || !(await findUsableLink(knex, token, 'verify_email'))) return refuse(req, res);
    const returnTo = carried(req.query.return_to) ?? '';
    renderPage(req, res, 'verify-email', { title: 'Verify your email', state: 'confirm', token, returnTo });
  });

  router.post('/verify-email', csrfProtection, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const token = tokenOf(body.token);
    const userId = await knex.transaction(async (trx) => {
      const link = token ? await spendLink(trx, token, 'verify_email') : undefined;
      if (link) await markVerified(trx, link.user_id);
      return link?.user_id;
    });
    if (!userId) return refuse(req, res);
    // Not signed in by the link: it proves the mailbox, not the password.
    renderPage(req, res, 'verify-email', {
      title: 'Your email is verified',
      state: 'done',
      signedIn: req.user?.id === userId,
      returnTo: safeReturnTo(body.return_to),
    });
  });

  router.use('/account/verification', requireLogin);

  router.get('/account/verification', async (req, res) => {
    const account = await findAccountStatus(knex, req.user!.id);
    renderPage(req, res, 'account/verification', {
      title: 'Email verification',
      verified: account?.email_verified_at != null,
      email: account?.email ?? '',
      returnTo: carried(req.query.return_to) ?? '',
    });
  });

  router.post('/account/verification', csrfProtection, async (req, res) => {
    const returnTo = carried((req.body as Record<string, unknown>).return_to);
    const outcome = await knex.transaction(async (trx) => {
      // Locked, so two resends at once count one after the other.
      const account = await findAccountStatus(trx, req.user!.id, { lock: true });
      if (!account || account.email_verified_at) return { account, result: 'verified' as const };
      if ((await linksMadeInLastHour(trx, account.id, 'verify_email')) >= VERIFICATION_MAILS_PER_HOUR)
        return { account, result: 'limited' as const };
      await sendVerificationMail(trx, baseUrl, account, returnTo);
      return { account, result: 'sent' as const };
    });
    const email = outcome.account?.email ?? '';
    const locals = { title: 'Email verification', email, returnTo: returnTo ?? '' };
    if (outcome.result === 'verified')
      return renderPage(req, res, 'account/verification', { ...locals, verified: true });
    if (outcome.result === 'limited') {
      const error =
        `We already sent ${VERIFICATION_MAILS_PER_HOUR} verification emails in the last hour. ` +
        'Please use the newest one, or try again in an hour.';
      return renderPage(req, res, 'account/verification', { ...locals, verified: false, error }, 429);
    }
    renderPage(req, res, 'account/verification', {
      ...locals,
      verified: false,
      notice: `We sent a new verification link to ${email}. Earlier links no longer work.`,
    });
  });

  return router;
}
