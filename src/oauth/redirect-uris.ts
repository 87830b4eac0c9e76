// Which redirect_uri a client may use (SPEC §3). An exact string match, with one exception
// from RFC 8252 §7.3: a registered loopback URI (`http://127.0.0.1/…`, `http://[::1]/…`)
// matches the same URI on any port, because a native app receives the redirect on an
// ephemeral port it only learns at run time. `localhost` is not a loopback literal (RFC 8252
// §8.3: it may resolve elsewhere), so new registrations of it are refused.

// Host, optional port, and the rest (path, query, fragment) compared as written: no URL
// normalisation, so nothing but the port may differ. Linear: no nested quantifiers.
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?([/?#][^]*)?$/;

function loopbackParts(uri: string): { host: string; port: number | undefined; rest: string } | undefined {
  const match = LOOPBACK.exec(uri);
  if (!match) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return { host: match[1]!, port, rest: match[3] ?? '' };
}

/** Whether `given` is one of `registered`: exactly, or a loopback URI on another port. */
export function redirectUriMatches(registered: readonly string[], given: string): boolean {
  if (registered.includes(given)) return true;
  const asked = loopbackParts(given);
  if (!asked) return false;
  return registered.some((uri) => {
    const allowed = loopbackParts(uri);
    return allowed !== undefined && allowed.host === asked.host && allowed.rest === asked.rest;
  });
}

/** `http://localhost…` (any case, any port): refused for new registrations (RFC 8252 §8.3). */
export function isLocalhostRedirectUri(uri: string): boolean {
  return /^http:\/\/localhost(?::\d*)?(?:[/?#]|$)/i.test(uri);
}
