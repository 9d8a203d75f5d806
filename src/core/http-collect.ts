import type { Dispatcher } from 'undici';

/**
 * An undici dispatch handler that gathers one response: status, content type and body (its first
 * `maxBytes`; the rest is read and dropped), then calls `done` once, at the end or on error.
 * Used with `dispatcher.dispatch()` where every request counts: undici's `request()` builds a
 * stream and a promise chain per response, which showed in the profiles of `listen` and
 * `trigger` (issue 6).
 */
export class ResponseCollector implements Dispatcher.DispatchHandler {
  status = 0;
  contentType: string | undefined;
  /** Bytes of body received, kept or not. */
  size = 0;
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private finished = false;

  constructor(private readonly maxBytes: number, private readonly done: (error?: Error) => void) {}

  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.status = statusCode;
    const type = headers['content-type'];
    this.contentType = Array.isArray(type) ? type[0] : type;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.kept >= this.maxBytes) return;
    const part = this.kept + chunk.length > this.maxBytes ? chunk.subarray(0, this.maxBytes - this.kept) : chunk;
    this.chunks.push(part);
    this.kept += part.length;
  }

  onResponseEnd(): void {
    this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.finish(error);
  }

  /** The body kept. */
  body(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.kept);
  }

  private finish(error?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.done(error);
  }
}
