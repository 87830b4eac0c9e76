// Rate limits (SPEC §4): failed logins per account and per IP, the token endpoints per IP,
// the API per token.
// Counters live in Redis when REDIS_URL is set (shared by every instance), else in memory.
// A limited request is a 429 with Retry-After and RateLimit-* headers, in the dialect of the
// endpoint (error object, OAuth JSON or page) through the shared error handler.
import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { rateLimit, ipKeyGenerator, type Options, type Store } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { createClient } from 'redis';
import type { Request, RequestHandler } from 'express';
import type { Config } from '../config';
import { HttpError } from '../errors';

export interface RateLimiters {
  loginPerIp: RequestHandler;
  loginPerAccount: RequestHandler;
  tokenEndpoints: RequestHandler;
  apiPerToken: RequestHandler;
  close(): Promise<void>;
}

const LIMITED_DETAIL = 'Too many attempts. Please wait before trying again.';

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
  const name = req.body?.email ?? req.body?.username;
  const normalized = typeof name === 'string' ? name.trim().toLowerCase() : '';
  return createHash('sha256').update(normalized).digest('hex');
}

export function createRateLimiters(config: Config): RateLimiters {
  const redis = config.redisUrl ? createClient({ url: config.redisUrl }) : undefined;
  if (redis) {
    redis.on('error', () => {}); // reconnects by itself; a failed command surfaces as an error
    void redis.connect().catch(() => {});
  }
  const store = (prefix: string): Store | undefined =>
    redis ? new RedisStore({ prefix: `seatshare:rl:${prefix}:`, sendCommand: (...args: string[]) => redis.sendCommand(args) }) : undefined;

  const base = (prefix: string, options: Partial<Options>): RequestHandler =>
    rateLimit({
      standardHeaders: 'draft-6',
      legacyHeaders: false,
      store: store(prefix),
      passOnStoreError: true, // a Redis outage must not lock everybody out
      // The library flags any key generator that reads req.ip without calling ipKeyGenerator;
      // ours (clientIp → ipKey) does call it for IPv6 and is tested equal to it.
      validate: { keyGeneratorIpFallback: false },
      handler: (_req, res, next) => {
        next(new HttpError(429, LIMITED_DETAIL, { headers: { 'Retry-After': String(res.getHeader('Retry-After') ?? 60) } }));
      },
      ...options,
    });

  const loginWindowMs = config.rateLimits.windowMinutes * 60 * 1000;
  return {
    // Only failed logins count (SPEC §4); the route marks success with a status below 400.
    loginPerIp: base('login-ip', { windowMs: loginWindowMs, limit: config.rateLimits.loginPerIp, skipSuccessfulRequests: true, keyGenerator: clientIp }),
    loginPerAccount: base('login-account', {
      windowMs: loginWindowMs,
      limit: config.rateLimits.loginPerAccount,
      skipSuccessfulRequests: true,
      keyGenerator: accountKey,
    }),
    tokenEndpoints: base('token', { windowMs: loginWindowMs, limit: config.rateLimits.tokenPerIp, keyGenerator: clientIp }),
    // Runs after API authentication: one budget per token, whichever instance serves it.
    apiPerToken: base('api-token', {
      windowMs: config.rateLimits.apiWindowMinutes * 60 * 1000,
      limit: config.rateLimits.apiPerToken,
      keyGenerator: (req) => req.caller?.tokenId ?? clientIp(req),
    }),
    async close() {
      if (redis?.isOpen) await redis.quit();
    },
  };
}
