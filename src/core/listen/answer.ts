import type { ServerResponse } from 'node:http';
import type { BodyStream, Flow, StreamedHead } from '../body-stream.js';
import { headerValue } from '../headers.js';
import { answerHeaders, type ForwardOutcome } from './forward.js';

// The app's answer on its way back to the sender: its status, its headers but hop-by-hop ones, and
// its body, nothing added; whole when it is small, streamed when it is too large to hold.

/**
 * Gives the sender the first target's answer: its status, headers (but hop-by-hop ones) and body,
 * nothing added (a 204 gets no Content-Type). An answer that was streamed (SenderStream) ends here,
 * or is cut off when the app's connection broke.
 */
export function answer(res: ServerResponse, outcome: ForwardOutcome): void {
  if (res.destroyed) return;
  if (res.headersSent) {
    if (outcome.result.error) res.destroy();
    else res.end();
    return;
  }
  const { status, body } = outcome;
  res.writeHead(status, answerHeaders(outcome.headers, bodiless(status) ? undefined : body.length));
  res.end(body);
}

/** No body, so no Content-Length: a 204 (RFC 9110 §8.6 forbids one) and a 304 (§15.4.5). */
function bodiless(status: number): boolean {
  return status === 204 || status === 304;
}

/**
 * The first target's answer when it is too large to hold: its head and first
 * bytes go to the sender at once, the rest as it comes, reading from the app paused while the
 * sender is slower. A sender that went away: the rest is read and dropped.
 */
export class SenderStream implements BodyStream {
  private flow: Flow | undefined;
  private paused = false;
  /** Reads from the app again; made only for an answer that streams. */
  private resume: (() => void) | undefined;

  constructor(private readonly res: ServerResponse) {}

  start(head: StreamedHead, flow: Flow): void {
    const res = this.res;
    if (res.headersSent || res.destroyed) return;
    const length = headerValue(head.headers, 'content-length');
    res.writeHead(head.status, answerHeaders(head.headers, length === undefined ? undefined : Number(length)));
    this.flow = flow;
    this.resume = () => {
      if (!this.paused) return;
      this.paused = false;
      flow.resume();
    };
    // A sender that goes away while the app is paused: the app is read again, and the rest dropped.
    res.once('close', this.resume);
    this.data(head.body);
  }

  data(part: Buffer): void {
    const res = this.res;
    if (!this.flow || res.destroyed || res.writableEnded) return;
    if (!res.write(part) && !this.paused) {
      this.paused = true;
      this.flow.pause();
      res.once('drain', this.resume!);
    }
  }
}
