// CORS (SPEC §8): which replies a web page on another origin may read, in one place.
//
// Answered, for any origin and without credentials:
//   /api/…                                         the JSON API (not /api/authenticate: below)
//   /oauth/token, /oauth/revoke, /oauth/introspect the machine endpoints a browser app calls
//   /.well-known/oauth-authorization-server        where OAuth libraries for browsers discover them
//
// Any origin is safe here because nothing on these paths is authorised by something the browser
// attaches by itself: the API and the token endpoints read bearer tokens and client credentials
// from headers or the body that the calling script had to hold already, never a cookie (the
// session middleware is mounted on the pages only). A page on evil.example that calls the API
// without a token gets the 401 it would get from curl. No `Access-Control-Allow-Credentials`:
// browsers then refuse to attach cookies or HTTP auth to a cross-origin request that asks for
// them, and `*` could not be combined with credentials anyway, so a reflected-origin mistake
// cannot turn into reading a signed-in user's data.
//
// Not answered: the pages (/login, /signup, /account/…, /developer/…) and the authorization
// endpoint (/oauth/authorize, /oauth/authorization). They are driven by the session cookie and
// guarded by CSRF tokens and `frame-ancestors 'none'`; letting another origin read them would
// hand it the CSRF token and the signed-in user's pages (and the consent page's hidden fields),
// which is CSRF and clickjacking by other means. A browser app reaches /oauth/authorize by
// navigating to it, which needs no CORS.
//
// The API's replies also get `Cross-Origin-Resource-Policy: cross-origin` instead of helmet's
// `same-origin`, so a partner page can load them in no-cors mode too (CORS-mode fetches do not
// check CORP); pages keep `same-origin`.
import cors, { type CorsOptions } from 'cors';
import { Router, type Request, type RequestHandler } from 'express';
import { crossOriginResourcePolicy } from 'helmet';

/** The token, revocation and introspection endpoints and the metadata, as the protocol router names them. */
const TOKEN_ENDPOINT_PATHS = [
  '/oauth/token',
  '/oauth/revoke',
  '/oauth/introspect',
  '/.well-known/oauth-authorization-server',
];

/**
 * POST /api/authenticate/ (a password for a personal token) is left out: a browser app signs in
 * with authorization code + PKCE, and a page on any site that could read its replies could make
 * its visitors' browsers guess passwords from many addresses, around the per-IP login limit.
 */
const PASSWORD_LOGIN = /^\/authenticate(\/|$)/i;

/** Headers a browser app may send beyond the CORS-safelisted ones. */
const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type', // application/json is not safelisted
  'If-Match',
  'If-None-Match',
  'Idempotency-Key',
  'X-Request-Id', // the app keeps a caller's well-formed request id
];

/**
 * Response headers a browser app may read beyond the safelisted ones (Content-Type, Cache-Control,
 * …). The rate limits send express-rate-limit's draft-6 headers (src/http/rate-limits.ts).
 */
const EXPOSED_HEADERS = [
  'ETag',
  'Link',
  'X-Total-Count',
  'Location',
  'Retry-After',
  'RateLimit-Policy',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'WWW-Authenticate', // says whether a 401 is a missing, expired or revoked token
  'X-Request-Id', // what to quote when reporting a failed call
  'Idempotent-Replayed', // a retried POST got the first reply again (http/idempotency.ts)
  'X-Sync-Time', // the point to send back as `since`/`updated_since` (http/sync-point.ts)
];

/**
 * How long a browser may reuse a preflight's answer: 2 hours, Chromium's own ceiling (Firefox
 * allows a day). A longer value would be cut to this anyway; this one still lets a new allowed
 * header reach every browser within two hours, and saves a round trip per call meanwhile.
 */
const PREFLIGHT_MAX_AGE_SECONDS = 7200;

function policy(methods: string[]): CorsOptions {
  return {
    origin: '*', // a constant, so replies need no `Vary: Origin` and caches can share them
    credentials: false,
    methods,
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  };
}

/** A CORS preflight: OPTIONS naming the method it asks for. A plain OPTIONS is the route's. */
function isPreflight(req: Request): boolean {
  return (
    req.method === 'OPTIONS' &&
    req.headers.origin !== undefined &&
    req.headers['access-control-request-method'] !== undefined
  );
}

/**
 * The `cors` package answers every OPTIONS as a preflight (204, no `Allow`); a plain OPTIONS
 * must still reach the route, which answers 204 with `Allow` (src/http/routes.ts).
 */
function corsFor(methods: string[]): RequestHandler[] {
  const answerPreflight = cors({ ...policy(methods), preflightContinue: false });
  const decorate = cors({ ...policy(methods), preflightContinue: true });
  return [
    crossOriginResourcePolicy({ policy: 'cross-origin' }),
    (req, res, next) => (isPreflight(req) ? answerPreflight(req, res, next) : decorate(req, res, next)),
  ];
}

/** Mounted after helmet (whose CORP it replaces) and before the routes, so errors carry it too. */
export function crossOriginAccess(): Router {
  const router = Router();
  const api = Router().use(...corsFor(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']));
  router.use('/api', (req, res, next) => (PASSWORD_LOGIN.test(req.path) ? next() : api(req, res, next)));
  router.all(TOKEN_ENDPOINT_PATHS, ...corsFor(['GET', 'POST'])); // GET: the metadata
  return router;
}
