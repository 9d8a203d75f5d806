import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { KeptPrefix, type BodyStream } from './body-stream.js';

/**
 * An undici dispatch handler that gathers one response: status, headers and body (its first
 * `maxBytes`; the rest is read and dropped, or handed to `stream` when one is given), then calls
 * `done` once, at the end or on error.
 * Used with `dispatcher.dispatch()` where every request counts: undici's `request()` builds a
 * stream and a promise chain per response, which showed in the profiles of `listen` and
 * `trigger` (issue 6).
 */
export class ResponseCollector implements Dispatcher.DispatchHandler {
  status = 0;
  contentType: string | undefined;
  /** Bytes of body received, kept or not. */
  size = 0;
  /** Whether the body outgrew `maxBytes` and the rest went to the stream. */
  streamed = false;
  private headers: IncomingHttpHeaders = {};
  private rawHeaders: unknown;
  private readonly kept: KeptPrefix;
  private finished = false;

  constructor(maxBytes: number, private readonly done: (error?: Error) => void, private readonly stream?: BodyStream) {
    this.kept = new KeptPrefix(maxBytes);
  }

  onRequestStart(): void {}

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    this.headers = headers;
    this.rawHeaders = controller.rawHeaders;
    const type = headers['content-type'];
    this.contentType = Array.isArray(type) ? type[0] : type;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.streamed) return this.stream!.data(chunk);
    const rest = this.kept.take(chunk);
    if (!rest || !this.stream) return;
    // Too large to hold: the head and the first bytes go now, the rest as it comes.
    this.streamed = true;
    this.stream.start({ status: this.status, headers: this.headerList(), body: this.body() }, controller);
    this.stream.data(rest);
  }

  onResponseEnd(): void {
    this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.finish(error);
  }

  /** The body kept. */
  body(): Buffer {
    return this.kept.body();
  }

  /** The headers as a flat name, value… list: as received (case and order) when undici gives them raw. */
  headerList(): string[] {
    const out: string[] = [];
    if (Array.isArray(this.rawHeaders)) {
      for (const item of this.rawHeaders as (Buffer | string)[]) out.push(typeof item === 'string' ? item : item.toString('latin1'));
      return out;
    }
    for (const [name, value] of Object.entries(this.headers)) {
      if (Array.isArray(value)) for (const v of value) out.push(name, v);
      else if (value !== undefined) out.push(name, value);
    }
    return out;
  }

  private finish(error?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.done(error);
  }
}
