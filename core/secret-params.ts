/**
 * Query parameters that carry a secret (`?password=`, `?token=`...): refused in configured URLs, whose
 * secrets belong in an environment variable, and masked wherever a URL is shown.
 */

/** Names of secrets, compared without case, `_` or `-` (so `api_key`, `apiKey` and `API-KEY` all match). */
const SECRET_NAMES = new Set([
  'password',
  'passwd',
  'pass',
  'pwd',
  'secret',
  'token',
  'key',
  'apikey',
  'accesskey',
  'secretkey',
  'clientsecret',
  'accesstoken',
  'authtoken',
  'auth',
  'credential',
  'credentials',
  'passphrase',
]);

/** Whether a query parameter's name says it holds a secret (`sslpassword` does, `sslkey`, a file path, does not). */
export function isSecretParam(name: string): boolean {
  const n = name.toLowerCase().replace(/[_-]/g, '');
  return SECRET_NAMES.has(n) || /password|secret|token/.test(n);
}

function queryOf(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return '';
  const end = url.indexOf('#', start);
  return url.slice(start + 1, end < 0 ? undefined : end);
}

function nameOf(pair: string): string {
  const eq = pair.indexOf('=');
  const raw = eq < 0 ? pair : pair.slice(0, eq);
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** The secret-named query parameters of a URL, by name (never their values). */
export function secretQueryParams(url: string): string[] {
  return queryOf(url).split('&').filter(Boolean).map(nameOf).filter(isSecretParam);
}

/** The URL with the values of its secret-named query parameters replaced by `***`. */
export function maskSecretParams(url: string): string {
  const query = queryOf(url);
  if (!query) return url;
  const masked = query
    .split('&')
    .map((pair) =>
      isSecretParam(nameOf(pair)) && pair.includes('=') ? `${pair.slice(0, pair.indexOf('='))}=***` : pair,
    )
    .join('&');
  const start = url.indexOf('?') + 1;
  return url.slice(0, start) + masked + url.slice(start + query.length);
}
