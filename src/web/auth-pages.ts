// Sign-up, login and logout (SPEC §2). Login failures get one generic message; failed attempts
// are rate-limited per account from one IP, per IP and per account (src/http/rate-limits.ts):
// a 401 counts, a login not. Sign-ups are limited per IP: every submission counts. Sign-up
// makes an unverified account and mails the link; it does not sign in (a taken address must
// look the same, and it cannot sign anyone in).
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Knex } from 'knex';
import { fromZodError } from '../errors';
import { newUserSchema } from '../users/users';
import type { SeatSharePassport } from '../auth/passport';
import { signUp } from '../accounts/verification';
import { csrfProtection } from './csrf';
import { allowAuthorizationRedirect } from './form-action';
import { renderPage, safeReturnTo } from './render';

const DEFAULT_RETURN_TO = safeReturnTo(undefined);

export function authPages(
  knex: Knex,
  passport: SeatSharePassport,
  loginLimiters: RequestHandler[],
  signupLimiter: RequestHandler,
  baseUrl: string,
): Router {
  const router = Router();

  router.get('/', (req, res) => {
    res.redirect(req.user ? '/account/authorizations' : '/login');
  });

  /** The login or sign-up form, allowed to end at the app its return_to authorizes (form-action.ts). */
  const showForm = async (
    req: Request,
    res: Response,
    view: 'login' | 'signup',
    locals: { title: string; returnTo: string } & Record<string, unknown>,
    status = 200,
  ) => {
    await allowAuthorizationRedirect(knex, res, locals.returnTo);
    renderPage(req, res, view, locals, status);
  };

  router.get('/login', async (req, res) => {
    await showForm(req, res, 'login', { title: 'Log in', email: '', returnTo: safeReturnTo(req.query.return_to) });
  });

  // Through passport's local strategy (src/auth/passport.ts); a refusal, missing fields
  // included, re-renders the form with one generic message.
  router.post('/login', csrfProtection, ...loginLimiters, (req, res, next) => {
    const body = req.body as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email.trim() : '';
    const returnTo = safeReturnTo(body.return_to);
    const signIn = (error: unknown, user: Express.User | false) => {
      if (error) return next(error);
      if (!user) {
        const values = { title: 'Log in', email, returnTo, error: 'Email or password is incorrect.' };
        return void showForm(req, res, 'login', values, 401).catch(next);
      }
      req.login(user, (loginError) => {
        if (loginError) return next(loginError);
        res.redirect(303, returnTo);
      });
    };
    (passport.authenticate('local', signIn) as RequestHandler)(req, res, next);
  });

  router.get('/signup', async (req, res) => {
    await showForm(req, res, 'signup', { title: 'Sign up', values: {}, returnTo: safeReturnTo(req.query.return_to) });
  });

  // The same page whether or not the address was taken (SPEC §7): the owner of a taken one is
  // mailed instead (accounts/verification.ts). Nobody is signed in here, in either case.
  router.post('/signup', csrfProtection, signupLimiter, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const returnTo = safeReturnTo(body.return_to);
    const values = { email: body.email, first_name: body.first_name, last_name: body.last_name };
    const parsed = newUserSchema.safeParse({ ...values, password: body.password });
    if (!parsed.success) {
      const fieldErrors = fromZodError(parsed.error).options.fields ?? {};
      const locals = { title: 'Sign up', values, returnTo, fieldErrors, error: 'Please correct the marked fields.' };
      return showForm(req, res, 'signup', locals, 400);
    }
    await signUp(knex, baseUrl, parsed.data, returnTo === DEFAULT_RETURN_TO ? undefined : returnTo);
    renderPage(req, res, 'signup-sent', { title: 'Check your email', email: parsed.data.email, returnTo });
  });

  router.post('/logout', csrfProtection, (req, res, next) => {
    req.logout((error) => {
      if (error) return next(error);
      req.session.destroy(() => res.redirect(303, '/login'));
    });
  });

  return router;
}
