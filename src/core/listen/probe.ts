import { request } from 'undici';
import { LISTENER_HEADER } from './receiver.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether `url` is served by a running `datachonk listen` on this machine: a GET to a loopback URL
 * that the listener answers (405, or 404 off its path) with its own header. Anything else, a URL
 * elsewhere included (never probed), is false.
 */
export async function isLocalListener(url: string, timeoutMs = 1000): Promise<boolean> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.protocol !== 'http:' || !LOOPBACK.has(target.hostname)) return false;
  try {
    const response = await request(target, { method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
    await response.body.dump();
    return response.headers[LISTENER_HEADER] === 'datachonk listen';
  } catch {
    return false;
  }
}
