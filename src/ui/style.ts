import { Chalk, type ChalkInstance } from 'chalk';
import type { Env } from '../config/paths.js';
import type { OutStream } from '../context.js';

/**
 * Colour level for a stream: FORCE_COLOR wins, then NO_COLOR (https://no-color.org), then colour
 * only on a terminal. chalk's own detection ignores NO_COLOR and looks at process.stdout only.
 */
export function colorLevel(stream: OutStream, env: Env): 0 | 1 | 2 | 3 {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    const level = Number.parseInt(force, 10);
    return (Number.isNaN(level) ? 1 : Math.min(Math.max(level, 1), 3)) as 1 | 2 | 3;
  }
  if (env.NO_COLOR) return 0;
  if (!stream.isTTY || env.TERM === 'dumb') return 0;
  if (env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit') return 3;
  if (env.TERM?.includes('256')) return 2;
  return 1;
}

export function paint(stream: OutStream, env: Env): ChalkInstance {
  return new Chalk({ level: colorLevel(stream, env) });
}

/** Green below 300, yellow 300–499, red from 500 (as the peers colour statuses). */
export function statusColor(c: ChalkInstance, status: number): (text: string) => string {
  if (status < 300) return c.green;
  if (status < 500) return c.yellow;
  return c.red;
}

/** Cuts text to one short line for display. */
export function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s*\n\s*/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms >= 100) return `${Math.round(ms)}ms`;
  return `${ms.toFixed(1)}ms`;
}
