import type { Webhook } from '../api/schemas.js';
import type { WebhooksApi } from '../api/webhooks.js';
import { removeStaleSessions, sessionDescription, type SessionOwner } from '../tunnel/registration.js';
import { startQuickTunnel, type QuickTunnel } from '../tunnel/quick-tunnel.js';

/** How the listener is reached from outside. */
export type Exposure =
  | { kind: 'local' }
  | { kind: 'cloudflared'; bin: string }
  | { kind: 'tunnel-url'; url: string };

export interface ExposeOptions {
  exposure: Exposure;
  /** The listener's own URL (http://127.0.0.1:4747/webhooks/datachonk). */
  listenerUrl: string;
  path: string;
  /** Register a webhook for the session (needs `api`). */
  api?: WebhooksApi | undefined;
  events: readonly string[];
  /** The fresh secret the session's webhook is registered with. */
  sessionSecret: string;
  owner: SessionOwner;
  now: () => Date;
  startTimeoutMs: number;
  stopGraceMs: number;
  /** cloudflared's environment. */
  env: Readonly<Record<string, string | undefined>>;
  isAlive: (pid: number) => boolean;
}

export interface ExposeReporter {
  staleRemoved(webhooks: readonly Webhook[]): void;
  tunnelStarting(): void;
  tunnelReady(url: string): void;
  registered(webhook: Webhook): void;
  unregistered(id: string, error?: string): void;
}

export interface ExposedListener {
  /** The URL DataChonk should POST to. */
  publicUrl: string;
  webhook?: Webhook | undefined;
  tunnel?: QuickTunnel | undefined;
  /** Deletes the session's webhook, then stops the tunnel. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Makes a running listener reachable: starts a quick tunnel (or takes the user's), then registers a
 * webhook for the session after removing the ones crashed sessions left. On a failure midway, what
 * was set up is torn down before the error is thrown.
 */
export async function exposeListener(options: ExposeOptions, reporter: ExposeReporter): Promise<ExposedListener> {
  if (options.api) {
    const stale = await removeStaleSessions(options.api, options.owner.host, options.isAlive);
    if (stale.length > 0) reporter.staleRemoved(stale);
  }
  let tunnel: QuickTunnel | undefined;
  let publicUrl = options.listenerUrl;
  if (options.exposure.kind === 'cloudflared') {
    reporter.tunnelStarting();
    const local = new URL(options.listenerUrl);
    tunnel = await startQuickTunnel({
      bin: options.exposure.bin,
      localUrl: `http://${local.host}`,
      startTimeoutMs: options.startTimeoutMs,
      stopGraceMs: options.stopGraceMs,
      env: options.env,
    });
    publicUrl = `${tunnel.url}${options.path}`;
    reporter.tunnelReady(tunnel.url);
  } else if (options.exposure.kind === 'tunnel-url') {
    const base = new URL(options.exposure.url);
    publicUrl = base.pathname === '/' ? `${base.origin}${options.path}` : base.href;
  }

  let webhook: Webhook | undefined;
  if (options.api) {
    try {
      webhook = await options.api.create({
        url: publicUrl,
        events: [...options.events],
        secret: options.sessionSecret,
        description: sessionDescription(options.owner, options.now()),
      });
    } catch (error) {
      await tunnel?.stop();
      throw error;
    }
    reporter.registered(webhook);
  }

  let closed = false;
  return {
    publicUrl,
    webhook,
    tunnel,
    async close() {
      if (closed) return;
      closed = true;
      if (webhook && options.api) {
        try {
          await options.api.delete(webhook.id);
          reporter.unregistered(webhook.id);
        } catch (error) {
          reporter.unregistered(webhook.id, (error as Error).message);
        }
      }
      await tunnel?.stop();
    },
  };
}
