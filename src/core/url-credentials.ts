// A user name and password in a URL (`http://user:pass@host/…`): sent as Basic authorization
// (RFC 7617), never in the request's URL, and shown with the password masked. trigger's --url and
// listen's --forward take them alike.

/** What is shown in place of a password or a credential. */
export const MASK = '***';

/** A user name and password given in a URL, percent-decoded. */
export interface Credentials {
  user: string;
  password: string;
}

/** The credentials of a URL, percent-decoded; undefined when it has none. */
export function urlCredentials(url: URL): Credentials | undefined {
  if (url.username === '' && url.password === '') return undefined;
  return { user: percentDecoded(url.username), password: percentDecoded(url.password) };
}

/** The Authorization header value of credentials: `Basic base64(user:password)`. */
export function basicAuthorization({ user, password }: Credentials): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** A URL as it may be shown: its password, when it has one, as ***. */
export function maskedUrl(url: URL): string {
  if (url.password === '') return url.href;
  const shown = new URL(url.href);
  shown.password = MASK;
  return shown.href;
}

/** `%40` as `@`; a `%` that starts no valid escape stays as typed. */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
