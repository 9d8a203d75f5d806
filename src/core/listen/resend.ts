import { sign } from '../signing/signature.js';
import { Forwarder } from './forward.js';
import type { ForwardResult, RequestRecord } from './records.js';

export interface ResendOptions {
  /** Re-sign with this secret; by default the original signature goes as it came. */
  secret?: string | undefined;
  timeoutMs: number;
  monotonic: () => number;
}

/** Sends a journalled request again, byte for byte, to each target. */
export async function resend(record: RequestRecord, targets: readonly string[], options: ResendOptions): Promise<ForwardResult[]> {
  const body = Buffer.from(record.body, 'base64');
  // What the app was sent the first time: the signature as received, or as the listener made it again.
  const signature = options.secret ? sign(options.secret, body) : record.forwarded_signature;
  return Promise.all(targets.map(async (target) => {
    const forwarder = new Forwarder(new URL(target), options.timeoutMs, options.monotonic);
    try {
      const outcome = await forwarder.forward(target, { method: 'POST', headers: record.headers, signature, body, remoteAddress: undefined });
      return outcome.result;
    } finally {
      await forwarder.close();
    }
  }));
}
