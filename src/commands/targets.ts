import { isFailure } from '../failure.js';
import { parseTarget } from '../core/listen/targets.js';

/** A --forward or --to value: a port, host:port or URL, to a URL. */
export function target(text: string): URL {
  try {
    return parseTarget(text);
  } catch (error) {
    if (isFailure(error, 'target-invalid')) {
      throw new Error(error.facts.problem === 'syntax' ? `expected a port, host:port or URL, got "${text}"` : `expected an http:// or https:// URL, got "${text}"`);
    }
    throw error;
  }
}

/** A --forward value: a target, or `pattern=target` for the event types the pattern takes (`chonk.*=localhost:3000/chonks`). */
export interface ForwardRoute {
  url: URL;
  /** An event type or a pattern with `*`; undefined: the events no pattern takes. */
  events?: string | undefined;
}

// `generation.*=…`, `chonk.created=…`: an event pattern is letters, digits, `.`, `_`, `-` and `*`,
// which no host, port or URL starts with followed by `=` (a URL's `=` comes after `?`).
const ROUTE = /^([a-z0-9_*][a-z0-9_.*-]*)=(.+)$/i;

export function forwardRoute(text: string): ForwardRoute {
  const routed = ROUTE.exec(text.trim());
  if (!routed) return { url: target(text) };
  return { url: target(routed[2]!), events: routed[1]! };
}
