import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/core/body-stream.js';
import { answer, SenderStream } from '../../src/core/listen/answer.js';
import type { ForwardOutcome } from '../../src/core/listen/forward.js';

// The app's answer on its way back to a sender whose connection fills up or goes away, with a
// stand-in for the sender's response: write() says whether it has room, as Node's does.

class FakeResponse extends EventEmitter {
  headersSent = false;
  destroyed = false;
  writableEnded = false;
  head: { status: number; headers: string[] } | undefined;
  written: string[] = [];
  /** Whether the connection to the sender has room for more. */
  room = true;
  writeHead(status: number, headers: string[]): this {
    this.head = { status, headers };
    this.headersSent = true;
    return this;
  }
  write(part: Buffer): boolean {
    this.written.push(part.toString());
    return this.room;
  }
  end(): void {
    this.writableEnded = true;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

function flowLog(): Flow & { log: string[] } {
  const log: string[] = [];
  return { log, pause: () => log.push('pause'), resume: () => log.push('resume') };
}

const HEAD = {
  status: 200,
  headers: ['Content-Type', 'text/plain', 'Transfer-Encoding', 'chunked', 'Content-Length', '9'],
  body: Buffer.from('abc'),
};
const outcome = (over: Partial<ForwardOutcome> = {}): ForwardOutcome => ({
  status: 200,
  headers: [],
  body: Buffer.alloc(0),
  streamed: true,
  result: { target: 'http://app/', status: 200, latency_ms: 1 },
  ...over,
});

describe('SenderStream', () => {
  it("sends the head (hop-by-hop fields left out, the app's Content-Length kept) and the first bytes, then each part", () => {
    const res = new FakeResponse();
    const stream = new SenderStream(res as unknown as ServerResponse);
    stream.start(HEAD, flowLog());
    stream.data(Buffer.from('def'));
    expect(res.head).toEqual({ status: 200, headers: ['Content-Type', 'text/plain', 'content-length', '9'] });
    expect(res.written).toEqual(['abc', 'def']);
  });

  it("stops reading from the app while the sender's connection is full, once, and reads again when it drains", () => {
    const res = new FakeResponse();
    const flow = flowLog();
    const stream = new SenderStream(res as unknown as ServerResponse);
    stream.start(HEAD, flow);
    res.room = false;
    stream.data(Buffer.from('d'));
    // The rest of a chunk the app had already sent still goes out; reading stays paused.
    stream.data(Buffer.from('e'));
    expect(flow.log).toEqual(['pause']);
    res.room = true;
    res.emit('drain');
    expect(flow.log).toEqual(['pause', 'resume']);
    stream.data(Buffer.from('f'));
    expect(res.written.join('')).toBe('abcdef');
    expect(flow.log).toEqual(['pause', 'resume']);
  });

  it('a sender that goes away while the app is paused: the app is read again, and the rest dropped', () => {
    const res = new FakeResponse();
    const flow = flowLog();
    const stream = new SenderStream(res as unknown as ServerResponse);
    res.room = false;
    stream.start(HEAD, flow);
    expect(flow.log).toEqual(['pause']);
    res.destroy();
    expect(flow.log).toEqual(['pause', 'resume']);
    stream.data(Buffer.from('late'));
    expect(res.written).toEqual(['abc']);
  });

  it("the end of a streamed answer ends the sender's; an app that broke off cuts the sender's off too", () => {
    const done = new FakeResponse();
    done.headersSent = true;
    answer(done as unknown as ServerResponse, outcome());
    expect({ ended: done.writableEnded, destroyed: done.destroyed }).toEqual({ ended: true, destroyed: false });
    const broken = new FakeResponse();
    broken.headersSent = true;
    answer(
      broken as unknown as ServerResponse,
      outcome({
        status: 502,
        result: { target: 'http://app/', status: null, latency_ms: 1, error: { code: 'reset', message: 'reset' } },
      }),
    );
    expect({ ended: broken.writableEnded, destroyed: broken.destroyed }).toEqual({ ended: false, destroyed: true });
  });
});
