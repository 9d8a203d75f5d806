import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../../context.js';
import { failure, usageError } from '../../errors.js';
import { generateSecret } from '../../config/config-file.js';
import { LISTENERS_DIR } from '../../defaults.js';
import { EVENT_TYPES } from '../../core/events/catalogue.js';
import { requireEventType } from '../../core/events/payload.js';
import { listenerAt, runningListeners } from '../../core/listen/presence.js';
import { sessionOf } from '../../core/listen/registration.js';
import { isAlive } from '../../core/processes.js';
import { confirm } from '../../ui/prompt.js';
import { createWebhooksView } from '../../ui/webhooks.js';
import { webhooksApi, type ApiFlags } from '../api.js';
import type { Action } from '../define.js';
import type { ApiSpecs, CreateSpecs, DeleteSpecs, RotateSpecs, UpdateSpecs } from './index.js';

// `datachonk webhooks create|list|get|update|delete|rotate-secret|deliveries`.

/** Event names are checked before any request is made (exit 2, with a suggestion). */
const eventList = (names: string[] | undefined) => names?.map(requireEventType);

async function withApi<T>(
  ctx: Context,
  flags: ApiFlags,
  run: (webhooks: Awaited<ReturnType<typeof webhooksApi>>['api']) => Promise<T>,
): Promise<T> {
  const { api: webhooks, client } = await webhooksApi(ctx, flags);
  try {
    return await run(webhooks);
  } finally {
    await client.close();
  }
}

export const create: Action<CreateSpecs> = async (ctx, { options: flags }) => {
  const events = eventList(flags.events) ?? [...EVENT_TYPES];
  const secret = flags.secret ?? generateSecret();
  const webhook = await withApi(ctx, flags, (w) =>
    w.create({ url: flags.url!, events, secret, description: flags.description }),
  );
  createWebhooksView(ctx).one(webhook, { title: 'Created webhook', secret: flags.secret ? undefined : secret });
};

export const list: Action<ApiSpecs> = async (ctx, { options: flags }) => {
  createWebhooksView(ctx).list(await withApi(ctx, flags, (w) => w.list()));
};

export const get: Action<ApiSpecs> = async (ctx, { args: [id], options: flags }) => {
  createWebhooksView(ctx).one(await withApi(ctx, flags, (w) => w.get(id!)));
};

export const update: Action<UpdateSpecs> = async (ctx, { args: [id], options: flags }) => {
  const changes = {
    url: flags.url,
    events: eventList(flags.events),
    secret: flags.secret,
    description: flags.description,
    status: flags.enable ? ('active' as const) : flags.disable ? ('disabled' as const) : undefined,
  };
  if (Object.values(changes).every((value) => value === undefined)) {
    throw usageError(
      'nothing to update',
      'give at least one of --url, --events, --secret, --description, --enable, --disable',
    );
  }
  createWebhooksView(ctx).one(await withApi(ctx, flags, (w) => w.update(id!, changes)), { title: 'Updated webhook' });
};

export const remove: Action<DeleteSpecs> = async (ctx, { args: [id], options: flags }) => {
  if (!flags.yes) {
    if (!ctx.stdin.isTTY)
      throw usageError(
        `deleting ${id} needs confirmation`,
        'pass --yes to delete without a prompt (no terminal to ask on)',
      );
    // Declining is a cancelled action, not a mistake in the command (exit 1, not 2).
    if (!(await confirm(ctx, `Delete webhook ${id}? DataChonk will stop sending to it.`)))
      throw failure(`cancelled: ${id} was not deleted`);
  }
  await withApi(ctx, flags, (w) => w.delete(id!));
  createWebhooksView(ctx).deleted(id!);
};

/**
 * `rotate-secret`: at once (a new secret, set and shown once), or in steps that drop no delivery:
 * `--plan` makes the secret and says how to roll both ends; `--secret` then sets it.
 */
export const rotateSecret: Action<RotateSpecs> = async (ctx, { args: [id], options: flags }) => {
  const view = createWebhooksView(ctx);
  if (flags.plan) {
    const webhook = await withApi(ctx, flags, (w) => w.get(id!));
    return view.rotationPlan(webhook, generateSecret());
  }
  const generated = flags.secret === undefined ? generateSecret() : undefined;
  const webhook = await withApi(ctx, flags, (w) => w.update(id!, { secret: flags.secret ?? generated! }));
  view.one(webhook, {
    title: 'Rotated the signing secret: deliveries are signed with the new one from now on',
    secret: generated,
  });
  view.rotated(webhook, { planned: generated === undefined });
  // A `listen` session's webhook: that listener verifies with the secret it registered, and cannot
  // learn the new one while it runs.
  const owner = sessionOf(webhook);
  if (owner && owner.host === hostname() && isAlive(owner.pid))
    view.listenerHoldsOldSecret(webhook, { session: true, pid: owner.pid });
  else if (
    !owner &&
    listenerAt(await runningListeners(join(ctx.paths.stateDir, LISTENERS_DIR), isAlive), webhook.url)
  ) {
    view.listenerHoldsOldSecret(webhook, { session: false });
  }
};

export const deliveries: Action<ApiSpecs> = async (ctx, { args: [id], options: flags }) => {
  createWebhooksView(ctx).deliveries(await withApi(ctx, flags, (w) => w.deliveries(id!)));
};
