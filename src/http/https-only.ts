// In production every request must have arrived over HTTPS (directly, or per X-Forwarded-Proto
// from a proxy trusted with TRUST_PROXY), SPEC §4: the API refuses with the error object (403),
// pages redirect to https. Health checks stay reachable for load balancers on plain HTTP.
import type { RequestHandler } from 'express';
import { HttpError } from '../errors';

const HEALTH_PATHS = new Set(['/healthz', '/readyz']);

export function httpsOnly(baseUrl: string): RequestHandler {
  const base = new URL(baseUrl);
  return (req, res, next) => {
    if (req.secure || HEALTH_PATHS.has(req.path)) return next();
    if (/^\/api(\/|$)/i.test(req.path)) {
      res.locals.api = true;
      throw new HttpError(403, 'HTTPS is required.');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(403, 'HTTPS is required.');
    // To the configured host, never the request's Host header (no open redirect).
    res.redirect(301, `https://${base.host}${req.originalUrl}`);
  };
}
