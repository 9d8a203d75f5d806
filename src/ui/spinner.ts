import type { Context, OutStream } from '../context.js';
import { isQuiet } from './output.js';
import { escapeControls } from './sanitize.js';
import { writeLine } from './style.js';

/**
 * Whether a spinner may run on this stream: a terminal that reports its width. A spinner redraws by
 * counting the lines its text takes at that width; at a width of 0 (`script` without a terminal, some
 * CI runners) that count is infinite, and it would erase lines forever instead of ending.
 */
export function canSpin(stream: OutStream): boolean {
  return stream.isTTY === true && typeof stream.columns === 'number' && stream.columns > 0;
}

/** Runs `task` with an ora spinner on stderr when it can spin there (canSpin); a plain line otherwise. */
export async function withSpinner<T>(ctx: Context, text: string, task: () => Promise<T>): Promise<T> {
  if (!canSpin(ctx.stderr) || ctx.output !== 'pretty') {
    if (!isQuiet(ctx)) writeLine(ctx.stderr, text);
    return task();
  }
  const { default: ora } = await import('ora');
  // discardStdin off: in raw mode Ctrl-C would not send SIGINT.
  const spinner = ora({
    text: escapeControls(text),
    stream: ctx.stderr as NodeJS.WritableStream,
    discardStdin: false,
  }).start();
  try {
    const result = await task();
    spinner.succeed();
    return result;
  } catch (error) {
    spinner.fail();
    throw error;
  }
}
