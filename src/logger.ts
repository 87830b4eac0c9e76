import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout; secrets that may pass through requests are redacted. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'seatshare' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.password', '*.client_secret'],
      censor: '[redacted]',
    },
  });
}
