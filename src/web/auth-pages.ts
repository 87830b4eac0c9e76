// Sign-up, login and logout (SPEC §2). Login failures get one generic message; failed attempts
// are rate-limited per account from one IP, per IP and per account (src/http/rate-limits.ts):
// a 401 counts, a login not. Sign-ups are limited per IP: every submission counts.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Knex } from 'knex';
import { fromZodError } from '../errors';
import { createUser, findUserByEmail, newUserSchema } from '../users/users';
import { sessionUserOf, type SeatSharePassport } from '../auth/passport';
import { csrfProtection } from './csrf';
import { allowAuthorizationRedirect } from './form-action';
import { renderPage, safeReturnTo } from './render';

export function authPages(
  knex: Knex,
  passport: SeatSharePassport,
  loginLimiters: RequestHandler[],
  signupLimiter: RequestHandler,
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

  router.post('/signup', csrfProtection, signupLimiter, async (req, res, next) => {
    const body = req.body as Record<string, unknown>;
    const returnTo = safeReturnTo(body.return_to);
    const values = { email: body.email, first_name: body.first_name, last_name: body.last_name };
    const parsed = newUserSchema.safeParse({ ...values, password: body.password });
    const fieldErrors = parsed.success ? {} : (fromZodError(parsed.error).options.fields ?? {});
    const email = newUserSchema.shape.email.safeParse(values.email);
    if (email.success && (await findUserByEmail(knex, email.data))) {
      fieldErrors.email = ['is invalid or already taken'];
    }
    if (!parsed.success || Object.keys(fieldErrors).length > 0) {
      const locals = { title: 'Sign up', values, returnTo, fieldErrors, error: 'Please correct the marked fields.' };
      return showForm(req, res, 'signup', locals, 400);
    }
    const user = await createUser(knex, parsed.data);
    req.login(sessionUserOf(user), (error) => {
      if (error) return next(error);
      res.redirect(303, returnTo);
    });
  });

  router.post('/logout', csrfProtection, (req, res, next) => {
    req.logout((error) => {
      if (error) return next(error);
      req.session.destroy(() => res.redirect(303, '/login'));
    });
  });

  return router;
}
