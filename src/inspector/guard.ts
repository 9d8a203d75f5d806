import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// Who may use the inspector. Its page can make the listener send signed requests, so: only pages it
// served itself, in a browser pointed at the loopback address and port it listens on. A Host of
// another name (a DNS-rebinding page: evil.example resolving to 127.0.0.1) is refused on every
// request; a state-changing request also needs this process's token, which the page reads from its
// own HTML or from /api/token after a restart (another site cannot: it cannot read our responses, and
// a rebinding page is refused by its Host), and an Origin of ours.

export const TOKEN_HEADER = 'x-datachonk-token';

/** A fresh per-process token. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export interface Guard {
  /** Why a request may not be served at all (its Host), or undefined. */
  refuseHost(req: IncomingMessage): string | undefined;
  /**
   * Why a state-changing request is refused, or undefined: `cross-site` (its Origin) or `wrong-token` (its
   * token: a page from before the process restarted, which may fetch the current one from /api/token).
   */
  refuseChange(req: IncomingMessage): { code: 'cross-site' | 'wrong-token'; message: string } | undefined;
}

export function createGuard(port: number, token: string): Guard {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origins = new Set([...hosts].map((host) => `http://${host}`));
  const expected = Buffer.from(token);
  return {
    refuseHost(req) {
      const host = req.headers.host;
      return host !== undefined && hosts.has(host.toLowerCase())
        ? undefined
        : 'this inspector answers only at its own loopback address';
    },
    refuseChange(req) {
      const origin = req.headers.origin;
      if (origin === undefined || !origins.has(origin.toLowerCase()))
        return { code: 'cross-site', message: "cross-site request refused: only the inspector's own page may do this" };
      const given = req.headers[TOKEN_HEADER];
      const bytes = Buffer.from(typeof given === 'string' ? given : '');
      if (bytes.length !== expected.length || !timingSafeEqual(bytes, expected))
        return { code: 'wrong-token', message: 'missing or wrong inspector token: reload the page' };
      return undefined;
    },
  };
}
