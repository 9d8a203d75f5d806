import { createInterface } from 'node:readline/promises';
import type { Context } from '../context.js';
import { DatachonkError } from '../errors.js';
import { escapeControls } from './sanitize.js';
import { writeLine } from './style.js';

/**
 * Asks a yes/no question on the terminal; anything but y/yes is no, and so are Ctrl-C and Ctrl-D at
 * the prompt (readline rejects with an AbortError for them): the caller says what was cancelled.
 */
export async function confirm(ctx: Context, question: string): Promise<boolean> {
  const rl = createInterface({ input: ctx.stdin, output: ctx.stderr as NodeJS.WritableStream, terminal: true });
  try {
    const answer = await rl.question(`${escapeControls(question)} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
    // The cursor is still on the prompt's line.
    writeLine(ctx.stderr, '');
    return false;
  } finally {
    rl.close();
  }
}

/** Reads a line on the terminal without echoing it (for an API key). */
export function askHidden(ctx: Context, question: string): Promise<string> {
  const stdin = ctx.stdin as NodeJS.ReadStream;
  ctx.stderr.write(escapeControls(question));
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      writeLine(ctx.stderr, '');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new DatachonkError('failure', 'cancelled'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
