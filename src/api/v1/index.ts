// API v1: every resource's routes, each behind `guards` (token authentication, then the
// per-token rate limit) and idempotency keys, which run per matched route (see guardRoutes).
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../../config';
import { idempotentPosts } from '../../http/idempotency';
import { mount } from '../../http/routes';
import { aliasRoutes } from './user_aliases/routes';
import { deletionRoutes } from './deletions/routes';
import { eventRoutes } from './events/routes';
import { groupRoutes } from './groups/routes';
import { membershipRoutes } from './groups/membership-routes';
import { ticketRoutes } from './tickets/routes';
import { userRoutes } from './users/routes';

export function apiV1Routes(knex: Knex, config: Config, guards: RequestHandler[]): Router {
  const v1 = Router();
  const guarded = [...guards, idempotentPosts(knex)];
  for (const routes of [userRoutes, aliasRoutes, groupRoutes, membershipRoutes, eventRoutes, ticketRoutes])
    mount(v1, '', routes(knex, config, guarded));
  mount(v1, '', deletionRoutes(knex, config, guarded));
  return v1;
}
