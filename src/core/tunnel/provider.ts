// What the listener needs of a tunnel, whoever provides it: cloudflared (cloudflared.ts), or a fake
// in tests. Adding a provider (ngrok, a named Cloudflare tunnel…) means implementing this and
// choosing it in commands/listen (docs/ARCHITECTURE.md).

/** Why a running tunnel ended on its own. */
export interface TunnelLoss {
  /** e.g. "code 1" or "SIGKILL". */
  how: string;
  /** Its last output lines, which usually say why. */
  lastLines: readonly string[];
}

/** A running tunnel to the listener. */
export interface Tunnel {
  /** The public base URL, e.g. https://words.trycloudflare.com (no path). */
  url: string;
  /** Resolves if the tunnel ends by itself; never while it runs. */
  lost: Promise<TunnelLoss>;
  /** Stops it; resolves once it is gone. Safe to call twice. */
  stop(): Promise<void>;
  /** Last resort at process exit: synchronous, no waiting. */
  kill(): void;
}

export interface TunnelProvider {
  /** A name for people: "cloudflared quick tunnel". */
  name: string;
  /**
   * Starts a tunnel to the listener's origin (http://127.0.0.1:4747); throws a Failure when it cannot.
   * Once `signal` is aborted (the listener stops while a lost tunnel is being restarted), a start under
   * way stops what it started and rejects with the signal's reason.
   */
  start(localOrigin: string, options?: { signal?: AbortSignal | undefined }): Promise<Tunnel>;
}
