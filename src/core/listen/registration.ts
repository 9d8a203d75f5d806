import type { Webhook } from '../api/schemas.js';
import type { WebhooksApi } from '../api/webhooks.js';

// A webhook registered for one `listen --register/--tunnel` session is marked in its description,
// with the host and process that made it. A listener that was killed before it could delete its
// webhook leaves one behind (as `gh webhook forward` does); the next start on the same host finds
// it, sees that its process is gone, and removes it.

const MARKER = 'datachonk listen (ephemeral)';
const MARK = /^datachonk listen \(ephemeral\) host=(\S+) pid=(\d+)/;

export interface SessionOwner {
  host: string;
  pid: number;
}

export function sessionDescription(owner: SessionOwner, startedAt: Date): string {
  return `${MARKER} host=${owner.host} pid=${owner.pid} since ${startedAt.toISOString()}`;
}

/** The session that registered a webhook, if it was registered by `listen`. */
export function sessionOf(webhook: Webhook): SessionOwner | undefined {
  const match = MARK.exec(webhook.description ?? '');
  return match ? { host: match[1]!, pid: Number(match[2]) } : undefined;
}

/**
 * Deletes the webhooks left by listeners on this host whose process is gone; returns them.
 * Webhooks of live listeners, of other hosts, and not made by `listen` are left alone.
 */
export async function removeStaleSessions(
  api: WebhooksApi,
  host: string,
  isAlive: (pid: number) => boolean,
): Promise<Webhook[]> {
  const stale = (await api.list()).filter((webhook) => {
    const owner = sessionOf(webhook);
    return owner !== undefined && owner.host === host && !isAlive(owner.pid);
  });
  for (const webhook of stale) await api.delete(webhook.id);
  return stale;
}
