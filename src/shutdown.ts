// How the process is asked to stop, made testable: cli.ts passes `process`, tests an EventEmitter
// and whichever platform they check.

/** The signals that ask a long-running command (listen, emulator start) to stop cleanly. */
export function shutdownSignals(platform: NodeJS.Platform): NodeJS.Signals[] {
  // Windows has no SIGTERM between processes (a kill there terminates at once, and a SIGTERM handler
  // never runs): Ctrl-C raises SIGINT and Ctrl-Break SIGBREAK, whose default would end the process
  // without cleaning up. https://nodejs.org/api/process.html#signal-events
  return platform === 'win32' ? ['SIGINT', 'SIGBREAK'] : ['SIGINT', 'SIGTERM'];
}

/**
 * The reason a command is asked to stop when the reader of its stdout has gone (`datachonk … | head`):
 * not a failure, so commands end quietly with exit 0.
 */
export const READER_GONE = 'SIGPIPE';

/** What shutdown handling needs of the process. */
export interface ShutdownOptions {
  /** Where signals are heard: `process`. */
  signals: { on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown };
  platform: NodeJS.Platform;
  /** Ends the process at once: a second signal while shutting down. */
  exit: () => void;
}

export interface Shutdown {
  /**
   * Resolves on the first shutdown signal (with its name) or request; a second signal calls `exit`.
   * Calling it installs the handlers: commands that never wait keep the default, which Ctrl-C ends.
   */
  wait(): Promise<string>;
  /** Asks a waiting command to stop (a reader gone: `SIGPIPE`); false when no command waits. */
  request(reason: string): boolean;
}

export function shutdownHandling({ signals, platform, exit }: ShutdownOptions): Shutdown {
  let requested: ((reason: string) => boolean) | undefined;
  return {
    wait: () =>
      new Promise((resolve) => {
        let received = false;
        const stop = (reason: string) => {
          if (received) return false;
          received = true;
          resolve(reason);
          return true;
        };
        requested = stop;
        for (const name of shutdownSignals(platform)) signals.on(name, (signal) => stop(signal) || exit());
      }),
    request(reason) {
      requested?.(reason);
      return requested !== undefined;
    },
  };
}
