// Every setting of SPEC §1, read from the environment and validated once at start-up.
// A bad value stops the process with one message naming every bad variable.
import path from 'node:path';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { singleMailbox } from './mail/address';

export const DEFAULT_SESSION_SECRET = 'seatshare-development-session-secret-change-me';
export const DEFAULT_MAIL_FROM = 'SeatShare <no-reply@localhost>';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const integer = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const optionalUrl = (protocols: string[], hint: string) =>
  z
    .string()
    .optional()
    .refine((value) => {
      if (value === undefined) return true;
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `must be a URL like ${hint}`);

const environmentSchema = z
  .object({
    NODE_ENV: z
      .enum(['development', 'production', 'test'], { error: 'must be development, production or test' })
      .default('development'),
    PORT: integer(0, 65535).default(3000),
    DATABASE_URL: optionalUrl(['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/database'),
    DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
    BASE_URL: optionalUrl(['http:', 'https:'], 'https://seatshare.example.com'),
    SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    REDIS_URL: optionalUrl(['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
    // Express's "trust proxy": true/false, a hop count, or a list of addresses/subnets.
    TRUST_PROXY: z
      .string()
      .refine(isTrustProxy, 'must be true, false, a hop count, or addresses/subnets like "loopback, 10.0.0.0/8"')
      .optional(),
    LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).optional(),
    DB_POOL_MAX: integer(1, 100).optional(),
    // Worker processes (node:cluster) on PostgreSQL; the embedded database has one process.
    WEB_CONCURRENCY: integer(1, 64).optional(),
    // V8's young-generation semi-space of each worker, MB (0: V8's default, 16).
    WORKER_SEMI_SPACE_MB: integer(0, 1024).default(64),
    SHUTDOWN_TIMEOUT_MS: integer(0, 600_000).default(10_000),
    // After SIGTERM, how long to keep accepting (not ready, `Connection: close`) before the
    // listener closes: at least the load balancer's time to notice /readyz (SPEC §1).
    SHUTDOWN_DRAIN_MS: integer(0, 600_000).default(5_000),
    RATE_LIMIT_WINDOW_MINUTES: integer(1, 24 * 60).default(15),
    // Failed logins in a window (SPEC §4): per account from one IP, per account from all IPs
    // (high enough that a stranger cannot lock the owner out), per IP.
    RATE_LIMIT_LOGIN_PER_ACCOUNT_IP: integer(1, 1_000_000).default(10),
    RATE_LIMIT_LOGIN_PER_ACCOUNT: integer(1, 1_000_000).default(100),
    RATE_LIMIT_LOGIN_PER_IP: integer(1, 1_000_000).default(100),
    // Personal tokens minted by POST /api/authenticate/ per account per hour; sign-ups per IP per hour.
    RATE_LIMIT_TOKEN_MINT_PER_ACCOUNT: integer(1, 1_000_000).default(20),
    RATE_LIMIT_SIGNUP_PER_IP: integer(1, 1_000_000).default(10),
    // Password-reset requests per hour (SPEC §7): per IP (beyond it a 429 page), and per address
    // asked for (beyond it no more mail, the same reply: the limit tells a stranger nothing).
    RATE_LIMIT_RESET_PER_IP: integer(1, 1_000_000).default(10),
    RATE_LIMIT_RESET_PER_ACCOUNT: integer(1, 1_000_000).default(5),
    RATE_LIMIT_TOKEN_PER_IP: integer(1, 1_000_000).default(300),
    RATE_LIMIT_API_PER_TOKEN: integer(1, 1_000_000).default(5000),
    RATE_LIMIT_API_WINDOW_MINUTES: integer(1, 24 * 60).default(60),
    // A refresh-token family's absolute lifetime (SPEC §3): past it the user signs in again.
    REFRESH_FAMILY_MAX_DAYS: integer(1, 3650).default(90),
    // Delta sync (SPEC §8): tombstones older than this are purged; a `since` before it is 410.
    DELETIONS_RETENTION_DAYS: integer(1, 3650).default(90),
    // Mail (SPEC §7): without SMTP_URL each message is written as an .eml file under DATA_DIR/mail.
    SMTP_URL: optionalUrl(['smtp:', 'smtps:'], 'smtps://user:password@smtp.example.com:465'),
    MAIL_FROM: z
      .string()
      .refine(
        (value) => singleMailbox(value) !== undefined,
        'must be one address, optionally with a name: "SeatShare <no-reply@example.com>"',
      )
      .default(DEFAULT_MAIL_FROM),
    // How often each process looks for queued mail (an enqueue also wakes its own process).
    MAIL_POLL_MS: integer(100, 3_600_000).default(2000),
  })
  .superRefine((env, ctx) => {
    if (!env.DATABASE_URL && env.WEB_CONCURRENCY !== undefined && env.WEB_CONCURRENCY > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEB_CONCURRENCY'],
        message: 'above 1 needs DATABASE_URL: the embedded database belongs to one process',
      });
    }
    if (env.NODE_ENV === 'production' && (!env.SESSION_SECRET || env.SESSION_SECRET === DEFAULT_SESSION_SECRET)) {
      ctx.addIssue({
        code: 'custom',
        path: ['SESSION_SECRET'],
        message: 'is required in production and must not be the default (e.g. `openssl rand -hex 32`)',
      });
    }
    if (env.NODE_ENV === 'production' && !env.BASE_URL) {
      // The issuer of every token and the host of every link: guessing it from PORT is only for development.
      ctx.addIssue({
        code: 'custom',
        path: ['BASE_URL'],
        message: 'is required in production (the public https:// address: the OAuth issuer and the host of every link)',
      });
    }
    if (env.NODE_ENV === 'production' && env.TRUST_PROXY === 'true') {
      // "true" believes the left-most X-Forwarded-For entry, which any client writes: per-IP
      // rate limits and logged addresses would be the attacker's choice.
      ctx.addIssue({
        code: 'custom',
        path: ['TRUST_PROXY'],
        message:
          'must not be "true" in production (any client could pick its own IP): ' +
          'name your proxies ("loopback, 10.0.0.0/8") or give a hop count',
      });
    }
  });

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  baseUrl: string;
  sessionSecret: string;
  redisUrl: string | undefined;
  trustProxy: boolean | number | string;
  logLevel: (typeof LOG_LEVELS)[number];
  dbPoolMax: number;
  /** Worker processes: WEB_CONCURRENCY, else one per core on PostgreSQL, one on the embedded database. */
  webConcurrency: number;
  /** WORKER_SEMI_SPACE_MB: V8's young-generation semi-space of each cluster worker (0: V8's default). */
  workerSemiSpaceMb: number;
  shutdownTimeoutMs: number;
  /** SIGTERM: time to keep serving, not ready, before the listener closes. */
  shutdownDrainMs: number;
  /** Absolute lifetime of a refresh-token family, in days. */
  refreshFamilyMaxDays: number;
  /** Delta sync: how long tombstones are kept (and how far back `since` may reach). */
  deletionsRetentionDays: number;
  mail: {
    /** smtp:// or smtps:// with credentials; undefined writes .eml files under DATA_DIR/mail. */
    smtpUrl: string | undefined;
    from: string;
    pollMs: number;
  };
  rateLimits: {
    windowMinutes: number;
    loginPerAccountAndIp: number;
    loginPerAccount: number;
    loginPerIp: number;
    tokenMintPerAccount: number;
    signupPerIp: number;
    resetPerIp: number;
    resetPerAccount: number;
    tokenPerIp: number;
    apiPerToken: number;
    apiWindowMinutes: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `scheme://user:secret@host` → `scheme://user:***@host`: bad URLs are echoed, passwords never. */
function withoutPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Express's "trust proxy" values: true/false, a hop count, or names and addresses/subnets. */
function isTrustProxy(value: string): boolean {
  if (/^(true|false|\d+)$/.test(value)) return true;
  return value.split(',').every((part) => {
    const [address, bits, ...rest] = part.trim().split('/');
    if (rest.length > 0 || !address) return false;
    if (PROXY_NAMES.has(address)) return bits === undefined;
    const version = isIP(address);
    return version !== 0 && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128)));
  });
}

function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value; // "loopback", "10.0.0.0/8, 127.0.0.1", … — Express validates these itself
}

/** Reads the settings from `source` (the process environment by default); throws ConfigError. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  // Empty variables count as unset, as in most twelve-factor tooling.
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const given = present[name];
      const shown = name === 'SESSION_SECRET' || given === undefined ? '' : ` (got "${withoutPassword(given)}")`;
      return `${name} ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const env = parsed.data;
  const cores = availableParallelism();
  const webConcurrency = env.DATABASE_URL ? (env.WEB_CONCURRENCY ?? cores) : 1;
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    databaseUrl: env.DATABASE_URL,
    dataDir: path.resolve(env.DATA_DIR),
    baseUrl: (env.BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    sessionSecret: env.SESSION_SECRET ?? DEFAULT_SESSION_SECRET,
    redisUrl: env.REDIS_URL,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    // Connections per process: together about two per core, enough to keep PostgreSQL busy
    // without queueing backends on 2 cores (measured by npm run bench).
    dbPoolMax: env.DB_POOL_MAX ?? Math.max(2, Math.ceil((2 * cores) / webConcurrency)),
    webConcurrency,
    workerSemiSpaceMb: env.WORKER_SEMI_SPACE_MB,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
    refreshFamilyMaxDays: env.REFRESH_FAMILY_MAX_DAYS,
    deletionsRetentionDays: env.DELETIONS_RETENTION_DAYS,
    mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, pollMs: env.MAIL_POLL_MS },
    rateLimits: {
      windowMinutes: env.RATE_LIMIT_WINDOW_MINUTES,
      loginPerAccountAndIp: env.RATE_LIMIT_LOGIN_PER_ACCOUNT_IP,
      loginPerAccount: env.RATE_LIMIT_LOGIN_PER_ACCOUNT,
      loginPerIp: env.RATE_LIMIT_LOGIN_PER_IP,
      tokenMintPerAccount: env.RATE_LIMIT_TOKEN_MINT_PER_ACCOUNT,
      signupPerIp: env.RATE_LIMIT_SIGNUP_PER_IP,
      resetPerIp: env.RATE_LIMIT_RESET_PER_IP,
      resetPerAccount: env.RATE_LIMIT_RESET_PER_ACCOUNT,
      tokenPerIp: env.RATE_LIMIT_TOKEN_PER_IP,
      apiPerToken: env.RATE_LIMIT_API_PER_TOKEN,
      apiWindowMinutes: env.RATE_LIMIT_API_WINDOW_MINUTES,
    },
  };
}
