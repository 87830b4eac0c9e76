// /account/sessions (SPEC §7): the user's signed-in sessions — when each began and was last seen,
// from which address and browser — with "sign out" for one and "sign out everywhere else".
// A session is named by the SHA-256 of its sid (SessionSummary.id): the sid is the cookie's
// secret, so it never appears in the page or a URL.
import { Router } from 'express';
import type { Knex } from 'knex';
import { notFound } from '../errors';
import { csrfProtection } from './csrf';
import { renderPage, requireLogin } from './render';
import { deleteOtherSessionOfUser, deleteSessionsOfUser, listSessionsOfUser } from './session-store';

const PUBLIC_ID = /^[0-9a-f]{64}$/;

// First match wins, so the browsers whose user agents also name others come first (Edge and Opera
// say "Chrome", Chrome says "Safari"; an iPhone says "like Mac OS X"). A dozen lines rather than a
// dependency: the page needs a recognisable name, not a version or a device model.
const BROWSERS: Array<[RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(?:Firefox|FxiOS)\//, 'Firefox'],
  [/\bChromium\//, 'Chromium'],
  [/\b(?:Chrome|CriOS)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
  [/^curl\//, 'curl'],
];
const SYSTEMS: Array<[RegExp, string]> = [
  [/\bWindows\b/, 'Windows'],
  [/\bAndroid\b/, 'Android'],
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\b(?:Macintosh|Mac OS X)\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

/** "Chrome on Linux", "Safari on iOS", "Firefox", "Unknown browser". */
export function describeBrowser(userAgent: string | null): string {
  if (!userAgent) return 'Unknown browser';
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? (system ? `A browser on ${system}` : 'Unknown browser');
}

export function sessionsPage(knex: Knex): Router {
  const router = Router();
  router.use('/account/sessions', requireLogin);

  router.get('/account/sessions', async (req, res) => {
    const sessions = await listSessionsOfUser(knex, req.user!.id, req.sessionID);
    renderPage(req, res, 'account/sessions', {
      title: 'Sessions',
      sessions: sessions.map((s) => ({ ...s, browser: describeBrowser(s.user_agent) })),
    });
  });

  router.post('/account/sessions/others/delete', csrfProtection, async (req, res) => {
    await deleteSessionsOfUser(knex, req.user!.id, req.sessionID);
    res.redirect(303, '/account/sessions');
  });

  router.post('/account/sessions/:id/delete', csrfProtection, async (req, res) => {
    const id = String(req.params.id);
    const deleted = PUBLIC_ID.test(id) && (await deleteOtherSessionOfUser(knex, req.user!.id, id, req.sessionID));
    if (!deleted) throw notFound('There is no such session among your others.');
    res.redirect(303, '/account/sessions');
  });

  return router;
}
