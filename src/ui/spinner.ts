import type { Context } from '../context.js';
import { escapeControls } from './sanitize.js';
import { writeLine } from './style.js';

/** Runs `task` with an ora spinner on stderr when it is a terminal; a plain line otherwise. */
export async function withSpinner<T>(ctx: Context, text: string, task: () => Promise<T>): Promise<T> {
  if (!ctx.stderr.isTTY || ctx.output !== 'pretty') {
    if (ctx.output !== 'quiet') writeLine(ctx.stderr, text);
    return task();
  }
  const { default: ora } = await import('ora');
  const spinner = ora({ text: escapeControls(text), stream: ctx.stderr as NodeJS.WritableStream }).start();
  try {
    const result = await task();
    spinner.succeed();
    return result;
  } catch (error) {
    spinner.fail();
    throw error;
  }
}
