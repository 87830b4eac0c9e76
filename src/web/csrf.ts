// CSRF protection for every form (SPEC §2): the synchroniser token pattern (csrf-sync). The
// token lives in the session and comes back in the hidden field `_csrf`; a POST without the
// right one is a 403.
import { csrfSync } from 'csrf-sync';
import type { Request } from 'express';

export const { csrfSynchronisedProtection: csrfProtection, generateToken: csrfToken } = csrfSync({
  getTokenFromRequest: (req: Request) => {
    const token: unknown = (req.body as { _csrf?: unknown } | undefined)?._csrf;
    return typeof token === 'string' ? token : undefined;
  },
  errorConfig: {
    statusCode: 403,
    message: 'This form has expired or did not come from this site. Go back, reload the page and try again.',
    code: 'EBADCSRFTOKEN',
  },
});
