// Request URLs go to the log without the secrets they may carry: authorization codes,
// invitation codes, client secrets and tokens in the query string — also where the URL is
// itself a parameter, percent-encoded once or twice (/login?return_to=%2Fjoin%3Fcode%3Dssi_…).
const SEPARATOR = String.raw`(?:[?&]|%3F|%26|%253F|%2526)`;
const EQUALS = String.raw`(?:=|%3D|%253D)`;
const SECRET_PARAMETER = new RegExp(
  String.raw`(${SEPARATOR}(?:code|client_secret|refresh_token|token|access_token)${EQUALS})(?:(?!&|%26|%2526|#).)*`,
  'gi',
);

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMETER, '$1[redacted]');
}
