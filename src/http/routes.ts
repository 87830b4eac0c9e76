// Declares a route with the methods it serves, so the method list is written once: other
// methods get 405 with `Allow`, OPTIONS gets 204 with `Allow`, and HEAD comes with GET.
import type { RequestHandler, Router } from 'express';
import { HttpError } from '../errors';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type Handlers = Partial<Record<Method, RequestHandler | RequestHandler[]>>;

export interface RegisteredRoute {
  path: string;
  methods: Method[];
}

/** Every route declared through `resource`, for the OpenAPI completeness test. */
export const registeredRoutes: RegisteredRoute[] = [];

const guardsOf = new WeakMap<Router, RequestHandler[]>();

/**
 * Middleware every route declared on `router` with `resource()` runs first (authentication).
 * Per route rather than per router, so an unknown path stays a 404 and a wrong method a 405
 * whatever the credentials.
 */
export function guardRoutes(router: Router, ...guards: RequestHandler[]): Router {
  guardsOf.set(router, guards);
  return router;
}

export function resource(router: Router, path: string, handlers: Handlers): void {
  const methods = (Object.keys(handlers) as Method[]).filter((m) => handlers[m]);
  const allow = [...methods.map((m) => m.toUpperCase()), ...(methods.includes('get') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
  const guards = guardsOf.get(router) ?? [];
  const route = router.route(path);
  for (const method of methods) route[method](...guards, ...([handlers[method]].flat() as RequestHandler[]));
  route.options((_req, res) => {
    res.set('Allow', allow).status(204).end();
  });
  route.all(() => {
    throw new HttpError(405, `This route does not support that method. It supports ${allow}.`, { headers: { Allow: allow } });
  });
  registeredRoutes.push({ path, methods });
}
