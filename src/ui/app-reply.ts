import type { AppReplyCause } from '../core/app-reply.js';

// An app's non-2xx answer in words, one hint per cause (core/app-reply.ts finds the cause): trigger,
// the listener's lines, `events resend` and `check` say the same thing about the same answer.

/** How to find out whether two secrets differ: the command that prints the one the tool signs with. */
export const COMPARE_SECRETS = 'compare `datachonk listen --print-secret` with the secret your app verifies with';

export interface AppReplyFacts {
  /** The path (or URL) the app was sent the event at: a 404 names it. */
  path: string;
  /** Whether the event carried a correct signature (the listener verified and signed it, or trigger signed it). */
  signed: boolean;
  /** Where the path comes from, for a 404: `--url`, `--forward`, `--to`. */
  pathFlag?: string | undefined;
}

/** What to do about an app's answer, by its cause; undefined when there is nothing particular to say. */
export function appReplyHint(cause: AppReplyCause | undefined, facts: AppReplyFacts): string | undefined {
  switch (cause?.kind) {
    case 'refused':
      return facts.signed
        ? `your app refused a correctly signed event: most often it verifies with another secret; ${COMPARE_SECRETS}`
        : undefined;
    case 'not-found':
      return `your app has no route at ${facts.path}: check the path it receives webhooks at${facts.pathFlag ? ` and the path in ${facts.pathFlag}` : ''}`;
    case 'redirect':
      return cause.location
        ? `your app redirected to ${cause.location}: webhooks are not followed through redirects; send to that URL itself`
        : 'your app answered a redirect without a Location: send to the URL that receives webhooks itself';
    case 'failed':
      return 'your app failed on this event: look at its log for the error';
    default:
      return undefined;
  }
}

/**
 * What to do about a forward to an https target that failed at TLS: an untrusted certificate (a local
 * CA's, a self-signed one) or an app that answered in plain HTTP. `target`: the URL forwarded to, when known.
 */
export function tlsHint(code: string | undefined, target?: string): string | undefined {
  if (code === 'tls-untrusted')
    return 'trust the CA that signed it with --forward-ca <file> (mkcert: --forward-ca "$(mkcert -CAROOT)/rootCA.pem"), or any certificate with --forward-insecure';
  if (code === 'tls-plain-http')
    return `the app answered in plain HTTP: forward to ${target ? target.replace(/^https:/i, 'http:') : "http://… (not https://) in the listener's --forward"}`;
  return undefined;
}
