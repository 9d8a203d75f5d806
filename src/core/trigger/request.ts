import { SIGNATURE_HEADER, sign } from '../signing/signature.js';
import { basicAuthorization, MASK, maskedUrl, urlCredentials, type Credentials } from '../url-credentials.js';

export { MASK, type Credentials };

export type SignatureMode = 'valid' | 'invalid' | 'missing';

/** One webhook delivery, exactly as it goes on the wire. */
export interface WebhookRequest {
  method: 'POST';
  /** Where it goes, without a user name or password (those are in the Authorization header). */
  url: string;
  /** The URL as it may be shown, when it differs from `url`: the password of the URL the user gave masked. */
  shownUrl?: string | undefined;
  headers: Record<string, string>;
  body: string;
  event: string;
  id: string;
  /** The URL's credentials, when the Authorization header was made from them: the user, and whether a password came too. */
  basicAuth?: { user: string; password: boolean } | undefined;
  /** In a scenario: the step (1-based) and whether this send repeats an earlier one. */
  step?: { number: number; repeat: boolean } | undefined;
}

/** What a URL becomes: where to send, how to show it, and the credentials it carried. */
export interface Target {
  url: string;
  shownUrl: string;
  credentials?: Credentials | undefined;
}

/**
 * Takes the user name and password out of a URL: a request carries them in an Authorization header
 * (RFC 7617 Basic), never in its URL, and they are shown with the password masked.
 */
export function splitCredentials(text: string): Target {
  const url = new URL(text);
  const credentials = urlCredentials(url);
  if (!credentials) return { url: text, shownUrl: text };
  const shownUrl = maskedUrl(url);
  url.username = '';
  url.password = '';
  return { url: url.toString(), shownUrl, credentials };
}

export interface RequestOptions {
  url: string;
  /** The URL as it may be shown, when it is not `url` (see splitCredentials). */
  shownUrl?: string | undefined;
  /** Sent as Basic authorization, unless a header given says otherwise. */
  credentials?: Credentials | undefined;
  secret: string;
  signature: SignatureMode;
  userAgent: string;
  /** Extra headers; they win over the defaults (a test may want a different content-type). */
  headers: Record<string, string>;
}

/**
 * Builds the signed request for a serialized payload: the headers DataChonk sends (content-type and
 * the signature; docs/receiving.md) and a user-agent, then the user's own. No event-type header:
 * DataChonk sends none, and a receiver that routed on one would work here and break in production.
 */
export function buildWebhookRequest(body: string, event: string, id: string, options: RequestOptions): WebhookRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': options.userAgent };
  if (options.signature === 'valid') headers[SIGNATURE_HEADER] = sign(options.secret, body);
  // Well formed, so that the receiver's own check (not its format check) is what rejects it.
  if (options.signature === 'invalid') headers[SIGNATURE_HEADER] = sign(`${options.secret}:not-the-secret`, body);
  const { url, shownUrl, credentials } = options;
  if (credentials) headers.authorization = basicAuthorization(credentials);
  // An Authorization header the user gave wins over the URL's credentials, as every extra header wins.
  for (const [name, value] of Object.entries(options.headers)) headers[name.toLowerCase()] = value;
  const fromUrl = credentials !== undefined && headers.authorization === basicAuthorization(credentials);
  return {
    method: 'POST',
    url,
    headers,
    body,
    event,
    id,
    ...(shownUrl === undefined || shownUrl === url ? {} : { shownUrl }),
    ...(fromUrl ? { basicAuth: { user: credentials.user, password: credentials.password !== '' } } : {}),
  };
}

/** The headers as they may be shown: an Authorization made from the URL's credentials masked. */
export function shownHeaders(request: WebhookRequest): Record<string, string> {
  return request.basicAuth === undefined ? request.headers : { ...request.headers, authorization: `Basic ${MASK}` };
}

/**
 * A copy-pasteable curl command for a request. `--data-binary` keeps the bytes exactly. Credentials
 * from the URL become `-u user`, for which curl asks the password: it is never printed.
 */
export function toCurl(request: WebhookRequest): string {
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const lines = [`curl -X ${request.method} ${quote(request.url)}`];
  const auth = request.basicAuth;
  // `-u user` alone: curl asks for the password. `user:` says there is none.
  if (auth) lines.push(`  -u ${quote(auth.password ? auth.user : `${auth.user}:`)}`);
  for (const [name, value] of Object.entries(request.headers)) {
    if (auth && name === 'authorization') continue;
    lines.push(`  -H ${quote(`${name}: ${value}`)}`);
  }
  lines.push(`  --data-binary ${quote(request.body)}`);
  return lines.join(' \\\n');
}
