import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import type { StreamedHead } from '../../src/core/body-stream.js';
import { ResponseCollector } from '../../src/core/http-client.js';

// The undici handler that https forwards and sends gather answers with, driven as undici drives it
// (onResponseStart, onResponseData…, onResponseEnd) with a stand-in controller.

function controller(rawHeaders?: Buffer[]): Dispatcher.DispatchController & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    aborted: false,
    paused: false,
    reason: null,
    rawHeaders,
    abort: () => log.push('abort'),
    pause: () => log.push('pause'),
    resume: () => log.push('resume'),
  };
}

describe('ResponseCollector', () => {
  it('keeps the first bytes of a body and drops the rest when nothing streams it', () => {
    let done = false;
    const collector = new ResponseCollector(4, () => (done = true));
    const c = controller();
    collector.onResponseStart(c, 200, { 'content-type': 'text/plain' });
    collector.onResponseData(c, Buffer.from('abc'));
    collector.onResponseData(c, Buffer.from('defgh'));
    collector.onResponseEnd();
    expect({ done, size: collector.size, body: collector.body().toString(), streamed: collector.streamed }).toEqual({
      done: true,
      size: 8,
      body: 'abcd',
      streamed: false,
    });
  });

  it('hands a body that outgrows what it keeps to the stream: head (raw header names) and first bytes, then the rest, with the controller as its flow', () => {
    const heads: StreamedHead[] = [];
    const parts: string[] = [];
    const collector = new ResponseCollector(4, () => {}, {
      start: (head, flow) => {
        heads.push(head);
        flow.pause();
      },
      data: (part) => parts.push(part.toString()),
    });
    const c = controller(['Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'X-Custom', 'v'].map((s) => Buffer.from(s)));
    collector.onResponseStart(c, 201, { 'set-cookie': ['a=1', 'b=2'], 'x-custom': 'v' });
    collector.onResponseData(c, Buffer.from('ab'));
    collector.onResponseData(c, Buffer.from('cdef'));
    collector.onResponseData(c, Buffer.from('gh'));
    collector.onResponseEnd();
    expect(heads).toHaveLength(1);
    expect({ ...heads[0], body: heads[0]!.body.toString() }).toEqual({
      status: 201,
      headers: ['Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'X-Custom', 'v'],
      body: 'abcd',
    });
    expect(parts).toEqual(['ef', 'gh']);
    expect(c.log).toEqual(['pause']);
    expect({ streamed: collector.streamed, size: collector.size, body: collector.body().toString() }).toEqual({
      streamed: true,
      size: 8,
      body: 'abcd',
    });
  });

  it('gives the parsed headers as a flat list, repeats kept, when undici has no raw ones', () => {
    const collector = new ResponseCollector(4, () => {});
    collector.onResponseStart(controller(), 200, { 'set-cookie': ['a=1', 'b=2'], location: '/x' });
    expect(collector.headerList()).toEqual(['set-cookie', 'a=1', 'set-cookie', 'b=2', 'location', '/x']);
  });
});
