import { Failure } from '../../failure.js';

/**
 * Parses a --forward value: `3000`, `:3000`, `localhost:3000`, `127.0.0.1:3000/hooks` or a full
 * http(s) URL. Bare hosts and ports mean http.
 */
export function parseTarget(text: string): URL {
  const value = text.trim();
  let candidate: string;
  if (/^\d+$/.test(value)) candidate = `http://localhost:${value}`;
  else if (/^:\d+/.test(value)) candidate = `http://localhost${value}`;
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) candidate = value;
  else candidate = `http://${value}`;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new Failure('target-invalid', { text, problem: 'syntax' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Failure('target-invalid', { text, problem: 'scheme' });
  // The WHATWG parser takes hosts such as `ht!tp`; a target names a real host (`_` is allowed: compose service names).
  if (!/^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])$/i.test(url.hostname))
    throw new Failure('target-invalid', { text, problem: 'syntax' });
  return url;
}

/**
 * Whether a --forward value leaves its port implied: a bare host (`localhost`, `app.test/hooks`) means
 * http's port 80, which is rarely what was meant. `localhost:80` and a full URL name theirs.
 */
export function leavesPortImplied(text: string): boolean {
  const value = text.trim();
  // A bare port names one; otherwise a colon before the path does (`:3000`, `host:3000`, and a scheme's
  // `http:`, whose URL says its own port), outside an IPv6 address's brackets.
  return !/^\d+$/.test(value) && !/^(?:\[[^\]]*\]|[^/?#[]*?):\d*(?:[/?#]|$)/.test(value);
}

/** A forward target, and the event types it takes (a type or a `*` pattern; undefined: the events no pattern takes). */
export interface RouteTarget {
  url: URL;
  events?: string | undefined;
  /** Typed as a bare host: the port is http's 80 (see leavesPortImplied). */
  impliedPort: boolean;
}

// `generation.*=…`, `chonk.created=…`: an event pattern is letters, digits, `.`, `_`, `-` and `*`,
// which no host, port or URL starts with followed by `=` (a URL's `=` comes after `?`).
const ROUTE = /^([a-z0-9_*][a-z0-9_.*-]*)=(.+)$/i;

/** Parses a --forward value that may name the events it takes: `chonk.*=localhost:3000/chonks`, or a plain target. */
export function parseRoute(text: string): RouteTarget {
  const routed = ROUTE.exec(text.trim());
  const target = routed ? routed[2]! : text;
  return { url: parseTarget(target), events: routed?.[1], impliedPort: leavesPortImplied(target) };
}

/**
 * The URL to forward one request to: a target without a path (or with just `/`) gets the received
 * path and query; a target with a path keeps it, and gets the received query when it has none.
 */
export function forwardUrl(target: URL, receivedPathAndQuery: string): string {
  // Plain string work: this runs for every request and target, and URL parsing showed in profiles.
  const q = receivedPathAndQuery.indexOf('?');
  const receivedPath = q < 0 ? receivedPathAndQuery : receivedPathAndQuery.slice(0, q);
  const receivedQuery = q < 0 ? '' : receivedPathAndQuery.slice(q);
  const path = target.pathname === '/' ? receivedPath : target.pathname;
  return `${target.origin}${path}${target.search || receivedQuery}`;
}
