import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The headers as they came: name, value… (case and repeats kept). */
  rawHeaders: string[];
  body: Buffer;
}

export interface RecordingServer {
  url: string;
  origin: string;
  requests: RecordedRequest[];
  /** Resolves when the nth request (1-based) has arrived. */
  waitFor(count: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

export type Responder = (request: RecordedRequest, res: ServerResponse) => void;

/** A real HTTP server on 127.0.0.1:0 that records each request and answers as told. */
export async function startRecordingServer(
  respond: Responder = (_req, res) => res.end('{"ok":true}'),
): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const waiters: { count: number; resolve: (r: RecordedRequest[]) => void }[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.concat(chunks),
    };
    requests.push(recorded);
    for (const waiter of waiters.filter((w) => requests.length >= w.count)) waiter.resolve(requests);
    respond(recorded, res);
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/webhooks/datachonk`,
    origin,
    requests,
    waitFor(count) {
      if (requests.length >= count) return Promise.resolve(requests);
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The names of a request's `x-datachonk-*` headers, sorted: what a receiver might route or trust on. */
export function datachonkHeaders(request: RecordedRequest): string[] {
  return Object.keys(request.headers)
    .filter((name) => name.startsWith('x-datachonk-'))
    .sort();
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
