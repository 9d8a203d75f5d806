import { isFailure } from '../failure.js';
import { parseRoute, parseTarget, type RouteTarget } from '../core/listen/targets.js';

/** A --forward or --to value: a port, host:port or URL, to a URL. */
export function target(text: string): URL {
  return refusedInWords(text, () => parseTarget(text));
}

/** A target-invalid failure as the words a usage error says. */
function refusedInWords<T>(text: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (isFailure(error, 'target-invalid')) {
      const words =
        error.facts.problem === 'syntax'
          ? `expected a port, host:port or URL, got "${text}"`
          : `expected an http:// or https:// URL, got "${text}"`;
      throw new Error(words, { cause: error });
    }
    throw error;
  }
}

/** A --forward value: a target, or `pattern=target` for the event types the pattern takes (`chonk.*=localhost:3000/chonks`). */
export type ForwardRoute = RouteTarget;

export function forwardRoute(text: string): ForwardRoute {
  return refusedInWords(text, () => parseRoute(text));
}
