import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { shutdownHandling } from '../../src/shutdown.js';

// Signals are raised on a plain emitter standing for `process`, for each platform, on any machine.

function handling(platform: NodeJS.Platform) {
  const signals = new EventEmitter();
  const exit = vi.fn();
  const raise = (signal: NodeJS.Signals) => signals.emit(signal, signal);
  return { signals, exit, raise, shutdown: shutdownHandling({ signals, platform, exit }) };
}

describe('shutdown handling', () => {
  it.each([
    ['linux', 'SIGTERM'],
    ['darwin', 'SIGTERM'],
    ['linux', 'SIGINT'],
    ['win32', 'SIGINT'],
    ['win32', 'SIGBREAK'],
  ] as const)('%s: %s stops a waiting command cleanly; a second signal exits at once', async (platform, signal) => {
    const { raise, exit, shutdown } = handling(platform);
    const stopped = shutdown.wait();
    raise(signal);
    // Settled by the signal itself: a signal not listened to leaves it waiting.
    expect(await Promise.race([stopped, Promise.resolve('still waiting')])).toBe(signal);
    expect(exit).not.toHaveBeenCalled();
    raise(signal);
    expect(exit).toHaveBeenCalledOnce();
  });

  it('listens on Linux and macOS to SIGINT and SIGTERM only, on Windows to SIGINT and SIGBREAK (SIGTERM never comes there)', () => {
    const listened = (platform: NodeJS.Platform) => {
      const { signals, shutdown } = handling(platform);
      void shutdown.wait();
      return signals.eventNames().sort();
    };
    expect(listened('linux')).toEqual(['SIGINT', 'SIGTERM']);
    expect(listened('darwin')).toEqual(['SIGINT', 'SIGTERM']);
    expect(listened('win32')).toEqual(['SIGBREAK', 'SIGINT']);
  });

  it('installs nothing until a command waits; a request then stops it like a signal, and a later signal exits', async () => {
    const { signals, raise, exit, shutdown } = handling('linux');
    expect(shutdown.request('SIGPIPE')).toBe(false);
    expect(signals.eventNames()).toEqual([]);
    const stopped = shutdown.wait();
    expect(shutdown.request('SIGPIPE')).toBe(true);
    expect(await stopped).toBe('SIGPIPE');
    raise('SIGINT');
    expect(exit).toHaveBeenCalledOnce();
  });
});
