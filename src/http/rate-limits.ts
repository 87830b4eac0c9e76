// Rate limits (SPEC §4, §7): failed logins per account from one IP, per IP and per account from
// all IPs; personal tokens minted per account; sign-ups per IP; password-reset requests per IP
// and per address; wrong current passwords per account; the token endpoints per IP; the API
// per token.
// Where the counters live decides whether a limit holds: in Redis when REDIS_URL is set
// (shared by every instance); else, in a worker of node:cluster, in the primary's memory
// (every worker asks it over IPC, so the limit does not depend on which worker answers);
// else in this process's memory.
// A limited request is a 429 with Retry-After and RateLimit-* headers, in the dialect of the
// endpoint (error object, OAuth JSON or page) through the shared error handler.
import cluster from 'node:cluster';
import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { rateLimit, ipKeyGenerator, type Options, type Store } from 'express-rate-limit';
import { ClusterMemoryStorePrimary, ClusterMemoryStoreWorker } from '@express-rate-limit/cluster-memory-store';
import { RedisStore } from 'rate-limit-redis';
import { createClient } from 'redis';
import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../config';
import { tooManyRequests } from '../errors';

export interface RateLimiters {
  /** Failed logins (form and POST /api/authenticate/): per account from one IP, per IP, per account. */
  failedLogins: RequestHandler[];
  /** Personal tokens minted by POST /api/authenticate/, per account. */
  tokenMint: RequestHandler;
  /** Sign-up submissions per IP. */
  signup: RequestHandler;
  /**
   * Password-reset requests: per IP (429), then per address asked for, which refuses silently:
   * it lets the request through with `resetMailWithheld(res)` true and sets no headers.
   */
  passwordReset: RequestHandler[];
  /** Wrong current passwords on the password-change form, per signed-in account. */
  passwordChange: RequestHandler;
  tokenEndpoints: RequestHandler;
  apiPerToken: RequestHandler;
  close(): Promise<void>;
}

export interface RateLimiterOptions {
  /** Prefix of the counters' keys in Redis (tests give each run its own). */
  redisPrefix?: string;
}

const LIMITED_DETAIL = 'Too many attempts. Please wait before trying again.';
const HOUR_MS = 60 * 60 * 1000;

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * The limiter's key for an address: what ipKeyGenerator gives (IPv6 by /56 subnet, IPv4 and
 * IPv4-mapped IPv6 as the IPv4 address), without parsing the common IPv4 forms on every request.
 */
export function ipKey(ip: string): string {
  if (isIPv4(ip)) return ip;
  const mapped = MAPPED_IPV4.exec(ip);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  return ipKeyGenerator(ip);
}

function clientIp(req: Request): string {
  return ipKey(req.ip ?? 'unknown');
}

/** The account a login attempt names (form `email`, JSON `username`), hashed to keep emails out of Redis. */
function accountKey(req: Request): string {
  const body = req.body as Record<string, unknown> | undefined;
  const name = body?.email ?? body?.username;
  const normalized = typeof name === 'string' ? name.trim().toLowerCase() : '';
  return createHash('sha256').update(normalized).digest('hex');
}

/** Set by the per-address reset limit: the reply stays the same, but no mail goes out. */
export function resetMailWithheld(res: Response): boolean {
  return res.locals.resetMailWithheld === true;
}

/** Set by the password-change page when the current password was wrong: only those count. */
export function markWrongPassword(res: Response): void {
  res.locals.wrongPassword = true;
}

/**
 * Counts failed logins only: a success is taken back, and so is a request a login limit
 * refused (429) — no password was checked, and a stranger's refused guesses must not add to
 * the owner's account-wide counter.
 */
const failedLogin = (_req: Request, res: Response): boolean => res.statusCode < 400 || res.statusCode === 429;

/**
 * In the primary of a node:cluster group without Redis: keeps the workers' counters (one
 * memory store per limiter, answering the workers' ClusterMemoryStoreWorker over IPC).
 */
export function serveWorkersRateLimitCounters(config: Config): void {
  if (!config.redisUrl) new ClusterMemoryStorePrimary().init();
}

export function createRateLimiters(
  config: Config,
  { redisPrefix = 'seatshare:rl:' }: RateLimiterOptions = {},
): RateLimiters {
  const redis = config.redisUrl ? createClient({ url: config.redisUrl }) : undefined;
  if (redis) {
    redis.on('error', () => {}); // reconnects by itself; a failed command surfaces as an error
    void redis.connect().catch(() => {});
  }
  const store = (prefix: string): Store | undefined => {
    if (redis)
      return new RedisStore({
        prefix: `${redisPrefix}${prefix}:`,
        sendCommand: (...args: string[]) => redis.sendCommand(args),
      });
    // A worker's own memory would give each worker its own budget (10 guesses per worker).
    if (cluster.isWorker) return new ClusterMemoryStoreWorker({ prefix });
    return undefined; // express-rate-limit's memory store: one process serves everything
  };

  const base = (prefix: string, options: Partial<Options>): RequestHandler =>
    rateLimit({
      standardHeaders: 'draft-6',
      legacyHeaders: false,
      store: store(prefix),
      passOnStoreError: true, // a Redis outage must not lock everybody out
      // The library flags any key generator that reads req.ip without calling ipKeyGenerator;
      // ours (clientIp → ipKey) does call it for IPv6 and is tested equal to it.
      validate: { keyGeneratorIpFallback: false },
      handler: (req, res, next) => {
        // Which limit refused, and which worker answered (the cluster test reads it): never the key.
        req.log.info({ limit: prefix, worker: cluster.worker?.id }, 'rate limit reached');
        next(tooManyRequests(LIMITED_DETAIL, Number(res.getHeader('Retry-After') ?? 60)));
      },
      ...options,
    });

  const limits = config.rateLimits;
  const loginWindowMs = limits.windowMinutes * 60 * 1000;
  const failedLogins = (prefix: string, limit: number, keyGenerator: (req: Request) => string) =>
    base(prefix, {
      windowMs: loginWindowMs,
      limit,
      skipSuccessfulRequests: true,
      requestWasSuccessful: failedLogin,
      keyGenerator,
    });
  return {
    // SPEC §4: the narrowest first, so what it refuses never reaches the wider counters.
    failedLogins: [
      failedLogins('login-account-ip', limits.loginPerAccountAndIp, (req) => `${accountKey(req)}:${clientIp(req)}`),
      failedLogins('login-ip', limits.loginPerIp, clientIp),
      failedLogins('login-account', limits.loginPerAccount, accountKey),
    ],
    // Successful mints count (a failed login is the login limits' business).
    tokenMint: base('token-mint', {
      windowMs: HOUR_MS,
      limit: limits.tokenMintPerAccount,
      skipFailedRequests: true,
      keyGenerator: accountKey,
    }),
    // Every sign-up submission counts: each costs a password hash, and a taken email answers
    // differently until email verification comes.
    signup: base('signup', { windowMs: HOUR_MS, limit: limits.signupPerIp, keyGenerator: clientIp }),
    passwordReset: [
      // Every request that passed CSRF counts, whatever the address: the IP's a 429 page…
      base('reset-ip', { windowMs: HOUR_MS, limit: limits.resetPerIp, keyGenerator: clientIp }),
      // …the address's refuses without a trace (no 429, no RateLimit-* headers): the reply must
      // not say whether someone asked for this address before, nor whether it has an account.
      base('reset-account', {
        windowMs: HOUR_MS,
        limit: limits.resetPerAccount,
        keyGenerator: accountKey,
        standardHeaders: false,
        handler: (req, res, next) => {
          req.log.info({ limit: 'reset-account', worker: cluster.worker?.id }, 'rate limit reached');
          res.locals.resetMailWithheld = true;
          next();
        },
      }),
    ],
    // Like the narrowest login limit, keyed by the signed-in account: only wrong current
    // passwords count (markWrongPassword), so a stolen session cannot guess it at leisure.
    passwordChange: base('password-change', {
      windowMs: loginWindowMs,
      limit: limits.loginPerAccountAndIp,
      skipSuccessfulRequests: true,
      requestWasSuccessful: (_req, res) => res.locals.wrongPassword !== true,
      keyGenerator: (req) => req.user?.id ?? clientIp(req),
    }),
    tokenEndpoints: base('token', { windowMs: loginWindowMs, limit: limits.tokenPerIp, keyGenerator: clientIp }),
    // Runs after API authentication: one budget per token, whichever instance serves it.
    apiPerToken: base('api-token', {
      windowMs: limits.apiWindowMinutes * 60 * 1000,
      limit: limits.apiPerToken,
      keyGenerator: (req) => req.caller?.tokenId ?? clientIp(req),
    }),
    async close() {
      if (redis?.isOpen) await redis.quit();
    },
  };
}
