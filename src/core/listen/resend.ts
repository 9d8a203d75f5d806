import type { Sender } from '../send.js';
import { sign } from '../signing/signature.js';
import { forwardHeaders, HEADERS_KEPT, withAuthorization } from './forward.js';
import { JOURNALLED_BODY_BYTES, type ForwardResult, type RequestRecord } from './records.js';

/** Where a resend goes: a URL, and the Basic authorization its app asked for (`--to http://user:pass@…`). */
export interface ResendTarget {
  url: string;
  authorization?: string | undefined;
}

export interface ResendSettings {
  /** Re-sign with this secret; by default the original signature goes as it came. */
  secret?: string | undefined;
  timeoutMs: number;
  sender: Sender;
}

/**
 * The headers the live forward sent for a journalled request, with this signature: as received, in their
 * case and order with repeats (journals before raw_headers have the parsed map), hop-by-hop ones left out.
 */
export function journalledHeaders(record: RequestRecord, body: Buffer, signature: string | undefined): string[] {
  return forwardHeaders({
    method: 'POST',
    headers: record.raw_headers ?? record.headers,
    signature,
    body,
    remoteAddress: undefined,
  });
}

/** Sends a journalled request again, byte for byte, with the headers the live forward sent, to each target. */
export async function resend(
  record: RequestRecord,
  targets: readonly ResendTarget[],
  options: ResendSettings,
): Promise<ForwardResult[]> {
  const body = Buffer.from(record.body, 'base64');
  // What the app was sent the first time: the signature as received, or as the listener made it again.
  const signature = options.secret ? sign(options.secret, body) : record.forwarded_signature;
  const headers = journalledHeaders(record, body, signature);
  return Promise.all(
    targets.map(async ({ url: target, authorization }): Promise<ForwardResult> => {
      const sent = authorization ? withAuthorization(headers, authorization) : headers;
      const outcome = await options.sender.send(
        { url: target, method: 'POST', headers: sent, body },
        { timeoutMs: options.timeoutMs, maxBodyBytes: JOURNALLED_BODY_BYTES },
      );
      const latency = Math.round(outcome.latencyMs * 100) / 100;
      if (outcome.kind === 'error')
        return { target, status: null, latency_ms: latency, error: { code: outcome.code, message: outcome.message } };
      // Its headers too: a redirect's Location says where the app wanted it.
      return {
        target,
        status: outcome.status,
        latency_ms: latency,
        headers: outcome.headers().slice(0, HEADERS_KEPT),
        ...(outcome.body ? { body: outcome.body } : {}),
      };
    }),
  );
}
