import { setTimeout as delay } from 'node:timers/promises';
import { Failure } from '../../failure.js';
import type { Webhook } from '../api/schemas.js';
import type { NetworkFailure } from '../net-errors.js';
import type { Tunnel, TunnelProvider } from '../tunnel/provider.js';
import { probePublicUrl, watchPublicUrl, type UrlCheck } from './tunnel-health.js';

// Keeps a session's tunnel up. When the tunnel ends by itself, or its public URL stops
// answering the checks of tunnel-health.ts, the keeper says so, stops what is left of it, and after each
// wait of its schedule starts a new one and has the session point its webhook and presence note at the
// new URL (`moved`). A failed start, or a webhook that cannot be updated, is said and tried again after
// the next wait (a new tunnel that runs is kept: only the update is tried again). After the last wait it
// gives up: `gone` resolves with a typed failure. `quiet` cancels all of it (a wait, a start under way).
// At most one tunnel runs at a time: the old one is stopped before the next one starts.

export interface TunnelHealing {
  /** The wait before each restart, in ms: as many restarts as waits, then the session gives up. Empty: none. */
  restartDelaysMs: readonly number[];
  /** How often the public URL is checked, in ms; 0: never. */
  checkIntervalMs: number;
  /** Failed checks in a row (once it has answered) that mean the tunnel is lost. */
  checkFailures: number;
  /** A check not answered by then fails. */
  checkTimeoutMs: number;
  /** Sends one check; default: a GET of the public URL (probePublicUrl). */
  probe?: UrlCheck | undefined;
}

/** What happened to the tunnel: it ended by itself, or its public URL stopped answering. */
export type TunnelTrouble =
  | { reason: 'exited'; tunnel: string; how: string; lastLines: readonly string[] }
  | {
      reason: 'unanswered';
      url: string;
      checks: number;
      timeoutMs: number;
      status?: number | undefined;
      network?: NetworkFailure | undefined;
    };

/** The next restart: the `attempt`-th of `attempts`, in `inMs` milliseconds. */
export interface RestartPlan {
  attempt: number;
  attempts: number;
  inMs: number;
}

export interface KeeperReporter {
  tunnelStarting(name: string): void;
  tunnelReady(url: string): void;
  /** The tunnel is lost; `restart` is undefined when no restart is to be tried. */
  tunnelLost(trouble: TunnelTrouble, restart: RestartPlan | undefined): void;
  /** A restart failed (the error, for the UI to word); `next` is undefined when it was the last. */
  tunnelRestartFailed(error: unknown, next: RestartPlan | undefined): void;
  /** A new tunnel runs, and the session's webhook (if it registered one) points at its URL. */
  tunnelRestored(restored: { publicUrl: string; webhook?: Webhook | undefined }): void;
}

export interface KeeperOptions {
  provider: TunnelProvider;
  /** The listener's origin, which the tunnel forwards to. */
  localOrigin: string;
  /** The listener's path, appended to the tunnel's URL. */
  path: string;
  /** Undefined: neither checks nor restarts (a loss ends the session). */
  healing: TunnelHealing | undefined;
  /** The token the checks carry (receiver.ts answers them). */
  probeToken: string;
  reporter: KeeperReporter;
}

/** Points the session at a new public URL; resolves with its webhook, updated, if it has one. May throw: tried again. */
export type Move = (publicUrl: string) => Promise<Webhook | undefined>;

export class TunnelKeeper {
  /** The tunnel running now; undefined between a loss and a restart. */
  tunnel: Tunnel | undefined;
  /** The latest tunnel's public URL, path included. */
  publicUrl: string;
  /** Resolves once the tunnel is lost and no restart worked; never otherwise. */
  readonly gone: Promise<Failure<'tunnel-gone'>>;
  private giveUp: (failure: Failure<'tunnel-gone'>) => void = () => {};
  private readonly abort = new AbortController();
  private checks: { stop(): void } | undefined;
  private healing: Promise<void> = Promise.resolve();
  private moved: Move = async () => undefined;

  private constructor(
    private readonly options: KeeperOptions,
    first: Tunnel,
  ) {
    this.tunnel = first;
    this.publicUrl = `${first.url}${options.path}`;
    this.gone = new Promise((resolve) => (this.giveUp = resolve));
  }

  /** Starts the first tunnel; a failure here is thrown, not retried (the listener is not ready yet). */
  static async start(options: KeeperOptions): Promise<TunnelKeeper> {
    options.reporter.tunnelStarting(options.provider.name);
    const tunnel = await options.provider.start(options.localOrigin);
    options.reporter.tunnelReady(tunnel.url);
    return new TunnelKeeper(options, tunnel);
  }

  /** Watches the tunnel from now on (the session is set up); `moved` is called with each new public URL. */
  keep(moved: Move): void {
    this.moved = moved;
    if (this.tunnel) this.follow(this.tunnel);
  }

  /** Stops checking and healing: a wait ends at once, a start under way is stopped. */
  async quiet(): Promise<void> {
    this.abort.abort();
    this.checks?.stop();
    await this.healing;
  }

  /** Quiets the keeper, then stops the tunnel running now. */
  async stop(): Promise<void> {
    await this.quiet();
    await this.tunnel?.stop();
  }

  /** Heals once this tunnel ends by itself or stops answering, unless it was replaced or the keeper quieted. */
  private follow(tunnel: Tunnel): void {
    const { healing, path, probeToken, provider } = this.options;
    const checks =
      healing && healing.checkIntervalMs > 0
        ? watchPublicUrl({
            url: `${tunnel.url}${path}`,
            token: probeToken,
            intervalMs: healing.checkIntervalMs,
            failures: healing.checkFailures,
            timeoutMs: healing.checkTimeoutMs,
            probe: healing.probe ?? probePublicUrl,
          })
        : undefined;
    this.checks = checks;
    const exited = tunnel.lost.then((loss): TunnelTrouble => ({ reason: 'exited', tunnel: provider.name, ...loss }));
    const unanswered =
      checks?.unanswered.then((u): TunnelTrouble => ({ reason: 'unanswered', ...u })) ?? new Promise<never>(() => {});
    void Promise.race([exited, unanswered]).then((trouble) => {
      // A tunnel stopped by the keeper ends too: that is no loss.
      if (this.tunnel !== tunnel || this.abort.signal.aborted) return;
      this.healing = this.heal(trouble);
    });
  }

  private async heal(trouble: TunnelTrouble): Promise<void> {
    const { reporter, healing } = this.options;
    const old = this.tunnel;
    this.checks?.stop();
    this.tunnel = undefined;
    const delays = healing?.restartDelaysMs ?? [];
    let plan = planAfter(delays, 0);
    reporter.tunnelLost(trouble, plan);
    // A URL that stopped answering leaves its cloudflared running: stopped before the next one starts.
    // One that exited is gone already, and its stop only forgets it. (Close stops only the current one.)
    await old?.stop().catch(() => {});
    while (plan) {
      if (!(await this.wait(plan.inMs))) return;
      const error = await this.restart();
      if (this.abort.signal.aborted) return;
      if (error === undefined) return this.follow(this.tunnel!);
      plan = planAfter(delays, plan.attempt);
      reporter.tunnelRestartFailed(error, plan);
    }
    this.giveUp(new Failure('tunnel-gone', { reason: trouble.reason, restarts: delays.length }));
  }

  /** One attempt: a new tunnel (unless one runs already, when only the move failed), then the move. Resolves with what failed. */
  private async restart(): Promise<unknown> {
    const { provider, localOrigin, reporter } = this.options;
    try {
      if (!this.tunnel) {
        reporter.tunnelStarting(provider.name);
        this.tunnel = await provider.start(localOrigin, { signal: this.abort.signal });
        this.publicUrl = `${this.tunnel.url}${this.options.path}`;
        reporter.tunnelReady(this.tunnel.url);
      }
      const webhook = await this.moved(this.publicUrl);
      reporter.tunnelRestored({ publicUrl: this.publicUrl, webhook });
      return undefined;
    } catch (error) {
      return error;
    }
  }

  /** Resolves true after `ms`, or false as soon as the keeper is quieted. */
  private wait(ms: number): Promise<boolean> {
    return delay(ms, true, { signal: this.abort.signal }).catch(() => false);
  }
}

/** The restart after `done` of them, if the schedule has one. */
function planAfter(delays: readonly number[], done: number): RestartPlan | undefined {
  return done < delays.length ? { attempt: done + 1, attempts: delays.length, inMs: delays[done]! } : undefined;
}
