import path from 'node:path';
import { ConfigError, DEFAULT_MAIL_FROM, DEFAULT_SESSION_SECRET, loadConfig } from '../src/config';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts from safe defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      databaseUrl: undefined,
      dataDir: path.resolve('data'),
      baseUrl: 'http://localhost:3000',
      sessionSecret: DEFAULT_SESSION_SECRET,
      trustProxy: false,
      logLevel: 'info',
      rateLimits: { windowMinutes: 15, loginPerAccountAndIp: 10, loginPerAccount: 100, loginPerIp: 100 },
    });
  });

  it('reads every setting it is given', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgresql://app:pw@db:5432/seatshare',
      DATA_DIR: '/var/lib/seatshare',
      BASE_URL: 'https://seats.example.com/',
      REDIS_URL: 'redis://cache:6379',
      TRUST_PROXY: '1',
      LOG_LEVEL: 'debug',
      RATE_LIMIT_LOGIN_PER_ACCOUNT: '5',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgresql://app:pw@db:5432/seatshare',
      dataDir: '/var/lib/seatshare',
      baseUrl: 'https://seats.example.com',
      redisUrl: 'redis://cache:6379',
      trustProxy: 1,
      logLevel: 'debug',
      rateLimits: { loginPerAccount: 5 },
    });
    expect(loadConfig({ TRUST_PROXY: 'loopback' }).trustProxy).toBe('loopback');
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 3000, databaseUrl: undefined });
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      LOG_LEVEL: 'loud',
      RATE_LIMIT_LOGIN_PER_IP: '0',
      BASE_URL: 'not a url',
    });
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toEqual(expect.stringContaining('PORT must be a number (got "eighty")'));
    for (const name of ['DATABASE_URL', 'LOG_LEVEL', 'RATE_LIMIT_LOGIN_PER_IP', 'BASE_URL']) {
      expect(problems.some((p) => p.startsWith(`${name} `))).toBe(true);
    }
  });

  it('checks TRUST_PROXY at start-up, not at the first request', () => {
    expect(problemsOf({ TRUST_PROXY: 'foo' })[0]).toMatch(/^TRUST_PROXY must be true, false, a hop count/);
    expect(problemsOf({ TRUST_PROXY: '10.0.0.0/33' })).toHaveLength(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, ::1' }).trustProxy).toBe('loopback, 10.0.0.0/8, ::1');
  });

  it('never echoes the password of a bad URL', () => {
    const [problem] = problemsOf({ DATABASE_URL: 'postgress://app:S3cretPw@db:5432/x' });
    expect(problem).toBe(
      'DATABASE_URL must be a URL like postgres://user:password@host:5432/database (got "postgress://app:***@db:5432/x")',
    );
  });

  it('refuses a port out of range and a short session secret', () => {
    expect(problemsOf({ PORT: '70000' })).toEqual(['PORT must be at most 65535 (got "70000")']);
    expect(problemsOf({ SESSION_SECRET: 'short' })).toEqual(['SESSION_SECRET must be at least 32 characters']);
  });

  it('refuses production without a session secret, or with the default one, and never prints it', () => {
    expect(problemsOf({ NODE_ENV: 'production' })[0]).toMatch(/^SESSION_SECRET is required in production/);
    const problems = problemsOf({
      NODE_ENV: 'production',
      SESSION_SECRET: DEFAULT_SESSION_SECRET,
      BASE_URL: 'https://seats.example.com',
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).not.toContain(DEFAULT_SESSION_SECRET);
    expect(
      loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32), BASE_URL: 'https://seats.example.com' }).env,
    ).toBe('production');
  });

  it('refuses production without BASE_URL: the issuer would be guessed from PORT', () => {
    expect(problemsOf({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32) })).toEqual([
      expect.stringMatching(/^BASE_URL is required in production/),
    ]);
    expect(loadConfig({ NODE_ENV: 'development' }).baseUrl).toBe('http://localhost:3000');
  });

  it('refuses TRUST_PROXY=true in production (any client could choose its IP), allows named proxies', () => {
    const production = {
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(32),
      BASE_URL: 'https://seats.example.com',
    };
    expect(problemsOf({ ...production, TRUST_PROXY: 'true' })).toEqual([
      expect.stringMatching(/^TRUST_PROXY must not be "true" in production/),
    ]);
    expect(loadConfig({ ...production, TRUST_PROXY: 'loopback' }).trustProxy).toBe('loopback');
    expect(loadConfig({ ...production, TRUST_PROXY: '1' }).trustProxy).toBe(1);
  });

  it('reads the new limits and the refresh family lifetime, with the SPEC defaults', () => {
    const config = loadConfig({});
    expect(config.refreshFamilyMaxDays).toBe(90);
    expect(config.rateLimits).toMatchObject({
      loginPerAccountAndIp: 10,
      loginPerAccount: 100,
      loginPerIp: 100,
      tokenMintPerAccount: 20,
      signupPerIp: 10,
      resetPerIp: 10,
      resetPerAccount: 5,
    });
    expect(loadConfig({ REFRESH_FAMILY_MAX_DAYS: '7', RATE_LIMIT_SIGNUP_PER_IP: '3' })).toMatchObject({
      refreshFamilyMaxDays: 7,
      rateLimits: { signupPerIp: 3 },
    });
    expect(loadConfig({ RATE_LIMIT_RESET_PER_IP: '4', RATE_LIMIT_RESET_PER_ACCOUNT: '2' }).rateLimits).toMatchObject({
      resetPerIp: 4,
      resetPerAccount: 2,
    });
    expect(problemsOf({ RATE_LIMIT_RESET_PER_ACCOUNT: '0' })).toEqual([
      'RATE_LIMIT_RESET_PER_ACCOUNT must be at least 1 (got "0")',
    ]);
    expect(loadConfig({}).deletionsRetentionDays).toBe(90);
    expect(loadConfig({ DELETIONS_RETENTION_DAYS: '30' }).deletionsRetentionDays).toBe(30);
    expect(problemsOf({ DELETIONS_RETENTION_DAYS: '0' })).toEqual([
      'DELETIONS_RETENTION_DAYS must be at least 1 (got "0")',
    ]);
  });

  it('writes mail to files by default, and reads SMTP_URL, MAIL_FROM and MAIL_POLL_MS', () => {
    expect(loadConfig({}).mail).toEqual({ smtpUrl: undefined, from: DEFAULT_MAIL_FROM, pollMs: 2000 });
    expect(
      loadConfig({
        SMTP_URL: 'smtps://mailer:pw@smtp.example.com:465',
        MAIL_FROM: '"SeatShare Team" <hello@seats.example.com>',
        MAIL_POLL_MS: '500',
      }).mail,
    ).toEqual({
      smtpUrl: 'smtps://mailer:pw@smtp.example.com:465',
      from: '"SeatShare Team" <hello@seats.example.com>',
      pollMs: 500,
    });
    expect(loadConfig({ MAIL_FROM: 'no-reply@seats.example.com' }).mail.from).toBe('no-reply@seats.example.com');
  });

  it('refuses an SMTP_URL that is not smtp:// or smtps://, without echoing its password', () => {
    const [problem] = problemsOf({ SMTP_URL: 'http://mailer:Hunter2pw@smtp.example.com' });
    expect(problem).toBe(
      'SMTP_URL must be a URL like smtps://user:password@smtp.example.com:465 (got "http://mailer:***@smtp.example.com")',
    );
    expect(problemsOf({ SMTP_URL: 'smtp.example.com:25' })).toHaveLength(1);
  });

  it('refuses a MAIL_FROM that is not exactly one address', () => {
    for (const from of [
      'SeatShare',
      'a@example.com, b@example.com',
      'team: a@example.com;',
      'a@example.com\r\nBcc: x@y.z',
    ]) {
      expect(problemsOf({ MAIL_FROM: from })).toEqual([expect.stringMatching(/^MAIL_FROM must be one address/)]);
    }
    expect(problemsOf({ MAIL_POLL_MS: '0' })).toEqual(['MAIL_POLL_MS must be at least 100 (got "0")']);
  });

  it('is silent in tests unless told otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).logLevel).toBe('silent');
    expect(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
  });
});
