// /api/v1/users — for now GET /users/me, which proves the OAuth flow end to end.
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import { notFound } from '../../../errors';
import { guardRoutes, resource } from '../../../http/routes';
import type { UserRow } from '../../../users/users';
import { presentUser } from './presenter';

export function userRoutes(knex: Knex, authenticate: RequestHandler): Router {
  const router = guardRoutes(Router(), authenticate);
  resource(router, '/users/me', {
    get: async (req, res) => {
      const user: UserRow | undefined = await knex('users').where({ id: req.caller!.userId }).first();
      if (!user) throw notFound();
      res.json(presentUser(user, { self: true }));
    },
  });
  return router;
}
