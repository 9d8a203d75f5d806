import { request } from 'node:http';
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The headers as received: name, value, name, value… in their order and case. */
  rawHeaders: string[];
  body: string;
  /** The body's exact bytes. */
  raw: Buffer;
}

/**
 * Sends a request with node:http, which lets a test send what well-behaved clients will not:
 * repeated headers (as an array), any method, any body.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'POST', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: raw.toString('utf8'),
          raw,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Opens a connection, sends headers announcing `declared` bytes and only part of the body, then hangs up (or not). */
export function halfSentBody(url: string, declared: number, sent: string, hangUp: boolean): Promise<string> {
  const target = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(target.port), target.hostname, () => {
      socket.write(
        `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n${sent}`,
      );
      if (hangUp) socket.destroy();
    });
    let received = '';
    socket.on('data', (d) => (received += d.toString()));
    socket.on('close', () => resolve(received));
    socket.on('error', () => {});
  });
}

/**
 * Sends a request and counts the answer's bytes as they come, keeping none but the last few: for
 * answers too large to hold. `onBytes` hears the running count after each part.
 */
export function countingRequest(
  url: string,
  options: { headers?: Record<string, string | string[]>; body?: string | Buffer },
  onBytes?: (count: number) => void,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; received: number; tail: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: options.headers, agent: false }, (res) => {
      let received = 0;
      let tail = '';
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        tail = (tail + chunk.subarray(-16).toString('latin1')).slice(-16);
        onBytes?.(received);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, received, tail }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
