import { join } from 'node:path';
import { JOURNAL_FILE, LISTENERS_DIR } from '../../defaults.js';
import { runningListeners } from '../../core/listen/presence.js';
import { isAlive } from '../../core/processes.js';
import { startJournalInspector } from '../../inspector/server.js';
import { showInspectorReady } from '../../ui/inspect.js';
import { userAgent } from '../api.js';
import type { Action } from '../define.js';
import type { InspectSpecs } from './index.js';
import { signingSecret } from '../secret.js';

/**
 * `datachonk inspect`: the web inspector over the journal, without a listener of its own. Replays and
 * edits go through the listener running on this machine (the latest started), when there is one.
 */
const inspect: Action<InspectSpecs> = async (ctx, { options }) => {
  const { secret, source } = await signingSecret(ctx, options.secret);
  const listenersDir = join(ctx.paths.stateDir, LISTENERS_DIR);
  const listenUrl = async () =>
    (await runningListeners(listenersDir, isAlive)).sort((a, b) => b.started_at.localeCompare(a.started_at))[0]?.url;
  const stopRequested = ctx.waitForShutdown();
  const inspector = await startJournalInspector({
    port: options.port,
    journalFile: join(ctx.paths.stateDir, JOURNAL_FILE),
    mode: 'inspect',
    secret,
    userAgent: userAgent(ctx),
    listenUrl,
    targets: [],
  });
  showInspectorReady(ctx, { url: inspector.url, listenUrl: await listenUrl(), secretSource: source });
  await stopRequested;
  await inspector.close();
};

export default inspect;
