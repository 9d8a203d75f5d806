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
