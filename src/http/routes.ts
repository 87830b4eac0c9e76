// Declares a route with the methods it serves, so the method list is written once: other
// methods get 405 with `Allow`, OPTIONS gets 204 with `Allow`, and HEAD comes with GET.
//
// Each method is an `endpoint(doc, handle)`: the doc names the zod schemas of the path
// parameters, the query and the body, and `resource()` validates the request with exactly
// those schemas before the handler runs. The OpenAPI document (src/api/openapi/) is generated
// from the same docs, so what is documented is what is validated.
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { HttpError } from '../errors';
import { parseBody, parsePath, parseQuery } from './validate';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A response an endpoint can give, for the document. */
export interface ResponseDoc {
  description: string;
  /** The body's schema (a presenter's view); none for 204. */
  body?: z.ZodType;
  /** A paginated list: X-Total-Count and Link headers. */
  paginated?: boolean;
  /** 201 with a Location header (a string: when it is sent, if not always). */
  location?: boolean | string;
}

export interface EndpointDoc<
  P extends z.ZodObject = z.ZodObject,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  summary: string;
  description?: string;
  /**
   * The path parameters' schema, one key per `:name` of the path (resource() checks). A value
   * it refuses is a 404: a malformed id names no record the caller can see. (Every /api route
   * with parameters has one: test/api/path-parameters.test.ts.)
   */
  params?: P;
  /** The query string's schema; without one, any query parameter is a 400. */
  query?: Q;
  /** The JSON body's schema; without one, POST, PUT and PATCH accept only an empty object. */
  body?: B;
  /** Success responses by status. */
  responses: Record<number, ResponseDoc>;
  /** Error responses this endpoint gives beyond the ones every API request can get, and why. */
  errors?: Record<number, string>;
  /** No credentials needed (the route runs without the router's guards). */
  public?: boolean;
}

type Input<P extends z.ZodObject, Q extends z.ZodType, B extends z.ZodType> = {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
};
type Handle<P extends z.ZodObject, Q extends z.ZodType, B extends z.ZodType> = (
  req: Request,
  res: Response,
  input: Input<P, Q, B>,
) => unknown;

export interface Endpoint {
  doc: EndpointDoc;
  handle: Handle<z.ZodObject, z.ZodType, z.ZodType>;
  /** Middleware before validation and the handler (rate limits). */
  before: RequestHandler[];
}

const emptyObject = z.strictObject({});
type Empty = typeof emptyObject;

export function endpoint<P extends z.ZodObject = Empty, Q extends z.ZodType = Empty, B extends z.ZodType = Empty>(
  doc: EndpointDoc<P, Q, B>,
  handle: Handle<P, Q, B>,
  options: { before?: RequestHandler[] } = {},
): Endpoint {
  return { doc, handle: handle as Handle<z.ZodObject, z.ZodType, z.ZodType>, before: options.before ?? [] };
}

/** The names of a path's parameters: "/groups/:id/members/:user_id" → id, user_id. */
function pathParameters(path: string): string[] {
  return [...path.matchAll(/:(\w+)/g)].map((match) => match[1]!);
}

export type Handlers = Partial<Record<Method, Endpoint>>;

export interface RegisteredRoute {
  /** Express path, relative to the router it was declared on (or, via mount(), to its parent). */
  path: string;
  method: Method;
  doc: EndpointDoc;
}

const routesOf = new WeakMap<Router, RegisteredRoute[]>();
const guardsOf = new WeakMap<Router, RequestHandler[]>();

/** The routes declared on `router` with resource(), and those of routers mount()ed in it. */
export function registeredRoutes(router: Router): RegisteredRoute[] {
  return routesOf.get(router) ?? [];
}

function register(router: Router, routes: RegisteredRoute[]): void {
  routesOf.set(router, [...registeredRoutes(router), ...routes]);
}

/** `parent.use(prefix, child)`, keeping the child's declared routes visible from the parent. */
export function mount(parent: Router, prefix: string, child: Router): void {
  parent.use(prefix, child);
  register(
    parent,
    registeredRoutes(child).map((route) => ({ ...route, path: prefix + route.path })),
  );
}

/**
 * Middleware every route declared on `router` with `resource()` runs first (authentication).
 * Per route rather than per router, so an unknown path stays a 404 and a wrong method a 405
 * whatever the credentials.
 */
export function guardRoutes(router: Router, ...guards: RequestHandler[]): Router {
  guardsOf.set(router, guards);
  return router;
}

const TAKES_BODY: Method[] = ['post', 'put', 'patch'];

function run(method: Method, { doc, handle }: Endpoint): RequestHandler {
  const bodySchema = doc.body ?? (TAKES_BODY.includes(method) ? emptyObject : undefined);
  return async (req: Request, res: Response, _next: NextFunction) => {
    const query = parseQuery(doc.query ?? emptyObject, req);
    const body = bodySchema ? parseBody(bodySchema, req) : undefined;
    // After the query and the body: a bad request with a malformed id stays the 400 it was
    // when the handler's lookup answered the 404.
    const params = doc.params ? parsePath(doc.params, req) : {};
    await handle(req, res, { params, query, body });
  };
}

/** A params schema names exactly the path's parameters: none goes unvalidated or undocumented. */
function assertParamsMatch(path: string, method: Method, doc: EndpointDoc): void {
  if (!doc.params) return;
  const declared = Object.keys(doc.params.shape).sort();
  const inPath = pathParameters(path).sort();
  if (declared.join() !== inPath.join())
    throw new Error(
      `${method.toUpperCase()} ${path}: params names [${declared.join(', ')}], the path [${inPath.join(', ')}]`,
    );
}

export function resource(router: Router, path: string, handlers: Handlers): void {
  const methods = (Object.keys(handlers) as Method[]).filter((m) => handlers[m]);
  const allow = [...methods.map((m) => m.toUpperCase()), ...(methods.includes('get') ? ['HEAD'] : []), 'OPTIONS'].join(
    ', ',
  );
  const guards = guardsOf.get(router) ?? [];
  const route = router.route(path);
  for (const method of methods) {
    const declared = handlers[method]!;
    assertParamsMatch(path, method, declared.doc);
    route[method](...(declared.doc.public ? [] : guards), ...declared.before, run(method, declared));
  }
  route.options((_req, res) => {
    res.set('Allow', allow).status(204).end();
  });
  route.all(() => {
    throw new HttpError(405, `This route does not support that method. It supports ${allow}.`, {
      headers: { Allow: allow },
    });
  });
  register(
    router,
    methods.map((method) => ({ path, method, doc: handlers[method]!.doc })),
  );
}
