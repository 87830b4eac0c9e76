import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs, on stdout for the server (stderr for the CLI, whose stdout is its
 * output); secrets that may pass through requests are redacted.
 */
export function createLogger(level: string, fd: 1 | 2 = 1): Logger {
  return pino(
    {
      level,
      base: { service: 'seatshare' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.password',
          '*.client_secret',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd, sync: true }),
  );
}
