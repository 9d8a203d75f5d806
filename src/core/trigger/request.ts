import { EVENT_HEADER, SIGNATURE_HEADER, sign } from '../signing/signature.js';

export type SignatureMode = 'valid' | 'invalid' | 'missing';

/** One webhook delivery, exactly as it goes on the wire. */
export interface WebhookRequest {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
  event: string;
  id: string;
}

export interface RequestOptions {
  url: string;
  secret: string;
  signature: SignatureMode;
  userAgent: string;
  /** Extra headers; they win over the defaults (a test may want a different content-type). */
  headers: Record<string, string>;
}

/** Builds the signed request for a serialized payload. */
export function buildWebhookRequest(body: string, event: string, id: string, options: RequestOptions): WebhookRequest {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': options.userAgent,
    [EVENT_HEADER]: event,
  };
  if (options.signature === 'valid') headers[SIGNATURE_HEADER] = sign(options.secret, body);
  // Well formed, so that the receiver's own check (not its format check) is what rejects it.
  if (options.signature === 'invalid') headers[SIGNATURE_HEADER] = sign(`${options.secret}:not-the-secret`, body);
  for (const [name, value] of Object.entries(options.headers)) headers[name.toLowerCase()] = value;
  return { method: 'POST', url: options.url, headers, body, event, id };
}

/** A copy-pasteable curl command for a request. `--data-binary` keeps the bytes exactly. */
export function toCurl(request: WebhookRequest): string {
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const lines = [`curl -X ${request.method} ${quote(request.url)}`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`  -H ${quote(`${name}: ${value}`)}`);
  lines.push(`  --data-binary ${quote(request.body)}`);
  return lines.join(' \\\n');
}
