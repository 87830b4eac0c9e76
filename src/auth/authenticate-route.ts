// POST /api/authenticate/ {"username": email, "password"} → {"token"}: a new personal token,
// the token login of the original SeatShare API. Rate-limited like the login form.
import type { Knex } from 'knex';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { HttpError } from '../errors';
import { resource } from '../http/routes';
import { parseInput } from '../http/validate';
import { checkCredentials } from './passport';
import { createPersonalToken } from './personal-tokens';

const credentialsSchema = z.strictObject({
  username: z.string().trim().min(1, 'is required').max(254),
  password: z.string().min(1, 'is required').max(1000),
});

export function authenticateRoute(knex: Knex, limiters: RequestHandler[]): Router {
  const router = Router();
  resource(router, '/authenticate', {
    post: [
      ...limiters,
      async (req, res) => {
        const { username, password } = parseInput(credentialsSchema, req.body ?? {});
        const user = await checkCredentials(knex, username, password);
        if (!user) throw new HttpError(400, 'Unable to log in with the provided credentials.');
        const { token } = await createPersonalToken(knex, user.id, { name: `API login ${new Date().toISOString().slice(0, 10)}`, scope: ['read', 'write'] });
        res.set('Cache-Control', 'no-store').json({ token });
      },
    ],
  });
  return router;
}
