// Rendering a page: every page is `Cache-Control: no-store` (SPEC §3 / RFC 9700: login and
// consent pages must not be cached) and gets the signed-in user and a CSRF token.
import type { Request, RequestHandler, Response } from 'express';
import type { FieldErrors } from '../errors';
import { csrfToken } from './csrf';

export interface PageLocals {
  title: string;
  error?: string;
  notice?: string;
  fieldErrors?: FieldErrors;
  [key: string]: unknown;
}

export function renderPage(req: Request, res: Response, view: string, locals: PageLocals, status = 200): void {
  res.status(status).set('Cache-Control', 'no-store');
  res.render(view, {
    currentUser: req.user ?? null,
    csrfToken: req.session ? csrfToken(req) : '',
    fieldErrors: {},
    error: undefined,
    notice: undefined,
    ...locals,
  });
}

/** Only local paths: `/x` yes; `//evil.example`, `/\evil`, `https://…` no (no open redirects). */
export function safeReturnTo(value: unknown, fallback = '/account/authorizations'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\'))
    return fallback;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (/[\u0000-\u001f]/.test(value)) return fallback;
  return value;
}

export const requireLogin: RequestHandler = (req, res, next) => {
  if (req.user) {
    next();
    return;
  }
  res.redirect(303, `/login?return_to=${encodeURIComponent(req.originalUrl)}`);
};
