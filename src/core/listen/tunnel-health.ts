import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'undici';
import { classifyNetworkError, type NetworkFailure } from '../net-errors.js';

// Whether a tunnel's public URL still reaches this listener. cloudflared can keep
// running while its quick tunnel no longer answers (the edge lost it: 530, or its name no longer
// resolves), so the process's exit is not the only way a tunnel dies. Every interval the session sends
// one GET to the public URL with a per-session token in a header; the listener answers it itself
// (receiver.ts), echoing the token, and neither journals nor prints it. Only that echo proves the
// request went through the tunnel to this listener: a Cloudflare error page (530, 502, 404) has none.

/** The header a check carries, with the session's token; the listener's answer carries it back. */
export const PROBE_HEADER = 'x-datachonk-probe';

/** What one check found: answered by this listener, or an HTTP status without the echo, or no answer. */
export type ProbeResult =
  { ok: true } | { ok: false; status?: number | undefined; network?: NetworkFailure | undefined };

/** Sends one check of `url` (tests inject their own). */
export type UrlCheck = (url: string, token: string, timeoutMs: number) => Promise<ProbeResult>;

/** Whether a request is the session's own check; `token` undefined: the session checks nothing. */
export function isProbe(req: { headers: IncomingHttpHeaders }, token: string | undefined): boolean {
  return token !== undefined && req.headers[PROBE_HEADER] === token;
}

/** One GET of the public URL; the connection is not kept (`reset`), so nothing lingers between checks. */
export const probePublicUrl: UrlCheck = async (url, token, timeoutMs) => {
  try {
    const res = await request(url, {
      method: 'GET',
      headers: { [PROBE_HEADER]: token },
      reset: true,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    return res.headers[PROBE_HEADER] === token ? { ok: true } : { ok: false, status: res.statusCode };
  } catch (error) {
    return { ok: false, network: classifyNetworkError(error) };
  }
};

export interface WatchOptions {
  /** The public URL, path included. */
  url: string;
  token: string;
  intervalMs: number;
  /** Failed checks in a row that mean the URL is dead. */
  failures: number;
  timeoutMs: number;
  probe: UrlCheck;
}

/** The public URL stopped answering: how many checks failed in a row, and what the last one got. */
export interface Unanswered {
  url: string;
  checks: number;
  /** How long each check waited for an answer. */
  timeoutMs: number;
  status?: number | undefined;
  network?: NetworkFailure | undefined;
}

/**
 * Checks `url` every interval. Failures count only once it has answered: a new quick tunnel's name can
 * take a while to resolve, and a machine behind a proxy may never reach it directly, though DataChonk
 * does; a check that cannot tell is no reason to restart a working tunnel. `unanswered` resolves after
 * `failures` failed checks in a row; `stop` ends the checks.
 */
export function watchPublicUrl(options: WatchOptions): { unanswered: Promise<Unanswered>; stop(): void } {
  let stopped = false;
  let answered = false;
  let failed = 0;
  let timer: NodeJS.Timeout | undefined;
  let dead: (unanswered: Unanswered) => void = () => {};
  const unanswered = new Promise<Unanswered>((resolve) => (dead = resolve));
  const next = () => {
    if (stopped) return;
    // unref: the checks alone never keep the process alive.
    timer = setTimeout(() => void check(), options.intervalMs).unref();
  };
  const check = async () => {
    const result = await options.probe(options.url, options.token, options.timeoutMs);
    if (stopped) return;
    if (result.ok) [answered, failed] = [true, 0];
    else if (answered && ++failed >= options.failures) {
      stopped = true;
      return dead({
        url: options.url,
        checks: failed,
        timeoutMs: options.timeoutMs,
        status: result.status,
        network: result.network,
      });
    }
    next();
  };
  next();
  return {
    unanswered,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
