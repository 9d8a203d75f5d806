import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { watchReader, type ReaderWatchOptions } from '../../src/reader-gone.js';

/** watchReader with a stand-in spawn: what it was asked to run, and the child to end. */
function watch(options: Partial<ReaderWatchOptions>) {
  const spawned: string[][] = [];
  const child = Object.assign(new EventEmitter(), { exitCode: null, signalCode: null, unref() {}, kill() {} });
  let gone = 0;
  const stop = watchReader({
    spawn: (command, args) => {
      spawned.push([command, ...args]);
      return child as unknown as ChildProcess;
    },
    pid: 4242,
    platform: 'linux',
    stdoutIsPipe: true,
    onGone: () => gone++,
    ...options,
  });
  return { spawned, child, gone: () => gone, stop };
}

describe('watchReader', () => {
  it('on Linux, with stdout a pipe: GNU tail watches it, and its death by SIGPIPE says the reader went', () => {
    const w = watch({});
    expect(w.spawned).toEqual([['tail', '-f', '-s', '0.2', '--pid=4242', '/dev/null']]);
    w.child.emit('exit', 1, null);
    expect(w.gone()).toBe(0);
    w.child.emit('exit', null, 'SIGPIPE');
    expect(w.gone()).toBe(1);
  });

  it('watches nothing when stdout is not a pipe, or off Linux (no GNU tail there)', () => {
    for (const options of [{ stdoutIsPipe: false }, { platform: 'darwin' as const }, { platform: 'win32' as const }])
      expect(watch(options).spawned).toEqual([]);
  });
});
