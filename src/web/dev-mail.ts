// /dev/mail (SPEC §7), mounted outside production only: the mail written to DATA_DIR/mail when
// there is no SMTP_URL, so a person trying SeatShare can open the verification link. Read-only;
// a message is found by its file name, which must match MAIL_FILE_NAME (no path reaches past
// the folder).
import { Router } from 'express';
import { listMailFiles, readEml, readMailFile } from '../mail/files';
import { renderPage } from './render';

/** A text body as runs of text and http(s) links, for the template to escape and link. */
export function linkify(text: string): Array<{ text: string; href?: string }> {
  return text.split(/(https?:\/\/[^\s<>"]+)/).flatMap((part, index) => {
    if (part === '') return [];
    if (index % 2 === 0) return [{ text: part }];
    const link = part.replace(/[.,;:!?)]+$/, ''); // sentence punctuation after a link is not part of it
    const rest = part.slice(link.length);
    return rest ? [{ text: link, href: link }, { text: rest }] : [{ text: link, href: link }];
  });
}

export function devMailPages(dataDir: string): Router {
  const router = Router();
  router.get('/dev/mail', async (req, res) => {
    renderPage(req, res, 'dev/mail-list', { title: 'Mail written to disk', messages: await listMailFiles(dataDir) });
  });
  router.get('/dev/mail/:name', async (req, res, next) => {
    const message = await readMailFile(dataDir, req.params.name);
    if (!message) return next(); // the pages' 404
    renderPage(req, res, 'dev/mail-message', { title: message.subject, message, parts: linkify(message.text) });
  });
  // The HTML body on its own, for the message page's frame: a srcdoc frame would inherit the
  // page's CSP, which refuses the inline styles every mail uses. This one allows them and
  // nothing else (no script, no fetch), sandboxed, and may be framed by our own page only.
  router.get('/dev/mail/:name/html', async (req, res, next) => {
    const message = await readMailFile(dataDir, req.params.name);
    if (!message) return next();
    res.set({
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox",
      'X-Frame-Options': 'SAMEORIGIN',
      'Cache-Control': 'no-store',
    });
    res.type('html').send(message.html);
  });
  router.get('/dev/mail/:name/raw', async (req, res, next) => {
    const eml = await readEml(dataDir, req.params.name);
    if (!eml) return next();
    res.set('Content-Disposition', `attachment; filename="${req.params.name}.eml"`);
    res.type('message/rfc822').send(eml);
  });
  return router;
}
