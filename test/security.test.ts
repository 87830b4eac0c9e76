import { generateToken, hashToken, tokenMatchesHash } from '../src/security/tokens';
import { hashPassword, verifyPassword } from '../src/security/passwords';
import { redirectUriProblem } from '../src/oauth/clients';
import { generateJoinCode } from '../src/groups/join-code';

describe('tokens', () => {
  it('are prefixed, 256-bit and distinct', () => {
    const a = generateToken('access');
    expect(a).toMatch(/^ssa_[A-Za-z0-9_-]{43}$/);
    expect(generateToken('access')).not.toBe(a);
  });

  it('are kept as SHA-256 digests and compared against them', () => {
    const token = generateToken('personal');
    const digest = hashToken(token);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenMatchesHash(token, digest)).toBe(true);
    expect(tokenMatchesHash(`${token}x`, digest)).toBe(false);
    expect(tokenMatchesHash(token, 'not-hex')).toBe(false);
  });
});

describe('passwords', () => {
  it('hash with argon2id and verify only the right password', async () => {
    const stored = await hashPassword('hunter2hunter2');
    expect(stored).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(stored, 'hunter2hunter2')).toBe(true);
    expect(await verifyPassword(stored, 'hunter2hunter3')).toBe(false);
    expect(await verifyPassword('garbage', 'hunter2hunter2')).toBe(false);
  });
});

describe('redirect URIs', () => {
  it.each([
    'https://app.example.com/callback',
    'http://127.0.0.1:9999/cb',
    'http://localhost/cb',
    'http://[::1]:8080/cb',
    'com.example.app:/oauth/callback',
  ])('accepts %s', (uri) => {
    expect(redirectUriProblem(uri)).toBeUndefined();
  });

  it.each([
    ['/relative', 'must be an absolute URL'],
    ['https://app.example.com/cb#frag', 'must not contain a fragment (#)'],
    ['http://app.example.com/cb', 'must use https (http is allowed only for loopback: 127.0.0.1 or [::1])'],
    ['https://user:pw@app.example.com/cb', 'must not contain credentials'],
    ['javascript:alert(1)', 'uses a scheme that is not allowed'],
    ['myapp:/cb', 'must be https, http on 127.0.0.1, or an app scheme like com.example.app:/callback'],
  ])('refuses %s', (uri, problem) => {
    expect(redirectUriProblem(uri)).toBe(problem);
  });
});

describe('join codes', () => {
  it('are three groups of five unambiguous characters', () => {
    expect(generateJoinCode()).toMatch(/^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$/);
  });
});
