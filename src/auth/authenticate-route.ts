// POST /api/authenticate/ {"username": email, "password"} → {"token"}: a new personal token,
// the token login of the original SeatShare API. Failed attempts are limited like the login
// form; successful ones by the tokens an account may mint in an hour (SPEC §4). An optional
// `expires_in_days` gives the token an expiry (without it, it never expires, as before). An
// account whose email is not verified mints nothing (403, SPEC §7).
import type { Knex } from 'knex';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { HttpError } from '../errors';
import { endpoint, resource } from '../http/routes';
import { authorize } from '../policies/authorize';
import { requireVerified } from '../policies/rules';
import { checkCredentials } from './passport';
import { createPersonalToken } from './personal-tokens';

const credentialsSchema = z.strictObject({
  username: z.string().trim().min(1, 'is required').max(254).meta({ description: 'Your email address.' }),
  password: z.string().min(1, 'is required').max(1000),
  expires_in_days: z
    .number()
    .int('must be a whole number of days')
    .min(1, 'must be between 1 and 365')
    .max(365, 'must be between 1 and 365')
    .optional()
    .meta({ description: 'Days until the token expires (1–365). Without it the token does not expire.' }),
});

export function authenticateRoute(knex: Knex, limiters: RequestHandler[]): Router {
  const router = Router();
  resource(router, '/authenticate', {
    post: endpoint(
      {
        summary: 'Log in for a personal API token',
        description:
          'Answers a new personal token, to send as `Authorization: Token <token>`. ' +
          'Failed attempts are rate-limited per account from one IP, per account and per IP; ' +
          'an account mints a limited number of tokens per hour.',
        public: true,
        body: credentialsSchema,
        responses: {
          200: { description: 'A new personal token (shown once).', body: z.strictObject({ token: z.string() }) },
        },
        errors: {
          400: 'Wrong email or password (one message for both).',
          403: 'The account has not verified its email address yet (follow the link mailed at sign-up).',
          429: 'Too many failed attempts, or too many tokens minted for this account in the last hour.',
        },
      },
      async (_req, res, { body }) => {
        const user = await checkCredentials(knex, body.username, body.password);
        if (!user) throw new HttpError(400, 'Unable to log in with the provided credentials.');
        authorize(user, requireVerified); // after the password: only the owner learns it is unverified
        const { token } = await createPersonalToken(knex, user.id, {
          name: `API login ${new Date().toISOString().slice(0, 10)}`,
          scope: ['read', 'write'],
          expiresInDays: body.expires_in_days,
        });
        res.set('Cache-Control', 'no-store').json({ token });
      },
      { before: limiters },
    ),
  });
  return router;
}
