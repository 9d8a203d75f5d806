import { access, constants, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CHECK_GROUPS, type CheckGroup } from '../../core/check/groups.js';
import { DEFAULT_EXPECT_REJECT } from '../../core/check/judge.js';
import { runChecks, type CheckReport } from '../../core/check/run.js';
import { createSender } from '../../core/send.js';
import { splitCredentials } from '../../core/trigger/request.js';
import { failure, interrupted, usageError } from '../../errors.js';
import { Failure } from '../../failure.js';
import { printCheckReport, printCheckStart, type CheckRun } from '../../ui/check.js';
import { junitXml } from '../../ui/junit.js';
import { userAgent } from '../api.js';
import type { Action } from '../define.js';
import { httpUrl, maskPassword } from '../parsers.js';
import type { CheckSpecs } from './index.js';
import { READER_GONE } from '../../shutdown.js';
import { signingSecret } from '../secret.js';

/** `datachonk check <url>`: probe an endpoint; exit 0 when nothing failed, 1 when something did. */
const check: Action<CheckSpecs> = async (ctx, { args: [url], options: flags }) => {
  // A user name and password in the URL go as Basic authorization, and are never shown (the password masked).
  const target = splitCredentials(endpointUrl(url!));
  const groups = selectedGroups(flags.only, flags.skip);
  if (flags.junit) await checkWritable(flags.junit);
  const { secret, source } = await signingSecret(ctx, flags.secret);
  // Two requests per probe at most (a duplicate sent at once), four probes at a time: no queueing in the pool.
  const sender = createSender({ connections: 8, clock: ctx.monotonic });
  printCheckStart(ctx, { url: target.shownUrl ?? target.url, groups: [...groups], secretSource: source });
  // Ctrl-C: no check is started after it, those in flight finish, and the summary says what ran. The reader
  // of stdout gone (`check … | head -1`) stops nothing: the checks' verdict (and --junit) is still wanted.
  let stoppedBy: string | undefined;
  void ctx.waitForShutdown().then((signal) => (stoppedBy = signal === READER_GONE ? undefined : signal));
  const report = await runChecks(
    {
      ...target,
      secret,
      userAgent: userAgent(ctx),
      headers: Object.fromEntries(flags.header),
      groups,
      expectReject: flags.expectReject.length ? flags.expectReject : DEFAULT_EXPECT_REJECT,
      allowUnknown: flags.allowUnknown,
      strict: flags.strict,
      throughListener: flags.throughListener,
      timeoutMs: flags.timeout,
      slowMs: flags.slow,
    },
    { sender, clock: ctx.monotonic, now: ctx.now, concurrency: 4, interrupted: () => stoppedBy !== undefined },
  ).finally(() => sender.close());
  const expectReject = flags.expectReject.length ? flags.expectReject : DEFAULT_EXPECT_REJECT;
  const run: CheckRun = {
    secretSource: source,
    strict: flags.strict,
    slowMs: flags.slow,
    timeoutMs: flags.timeout,
    headerNames: flags.header.map(([name]) => name),
    expectReject,
    stack: report.stack,
    throughListener: flags.throughListener,
  };
  printCheckReport(ctx, report, run);
  if (flags.junit) await writeFile(flags.junit, junitXml(report, run));
  if (stoppedBy)
    throw interrupted(
      `interrupted (${stoppedBy}): ${report.results.length} of ${report.planned} checks ran, ${report.notRun.length} did not`,
    );
  if (report.stopped) throw stoppedFailure(report, source);
  const failed = report.results.filter((r) => r.status === 'fail').length;
  if (failed > 0)
    throw failure(
      `${failed} of ${report.results.length} checks failed`,
      ctx.output === 'json' ? 'see the hint of each failed record' : 'see "fix" under each ✖ above',
    );
};

export default check;

function endpointUrl(text: string): string {
  try {
    return httpUrl(text);
  } catch {
    throw usageError(
      `"${maskPassword(text)}" is not an http:// or https:// URL`,
      'give the URL of your webhook endpoint, e.g. datachonk check http://localhost:3000/webhooks/datachonk',
    );
  }
}

/** The groups to run: --only's, or all but --skip's. */
function selectedGroups(only: readonly CheckGroup[], skip: readonly CheckGroup[]): Set<CheckGroup> {
  const groups = new Set<CheckGroup>(only.length ? only : CHECK_GROUPS.filter((g) => !skip.includes(g)));
  if (groups.size === 0) throw usageError('--skip leaves no group to run', `the groups are ${CHECK_GROUPS.join(', ')}`);
  return groups;
}

/** A JUnit file that cannot be written is said before anything is sent. */
async function checkWritable(file: string): Promise<void> {
  const folder = dirname(resolve(file));
  try {
    await access(folder, constants.W_OK);
  } catch {
    throw usageError(
      `cannot write the --junit file ${file}: the folder ${folder} does not exist or is not writable`,
      'create the folder, or give another path',
    );
  }
}

function stoppedFailure(report: CheckReport, secretSource: CheckRun['secretSource']): Failure<'check-stopped'> {
  const { reason, result, suspects } = report.stopped!;
  const answer = result.exchanges.find((e) => e.answer.kind === 'error')?.answer ?? result.exchanges[0]?.answer;
  return new Failure('check-stopped', {
    reason,
    url: report.url,
    check: `${result.group}/${result.check}`,
    secretSource,
    suspects,
    ...(result.diagnosis ? { diagnosis: result.diagnosis } : {}),
    ...(report.stack ? { stack: report.stack } : {}),
    ...(answer?.kind === 'response'
      ? { status: answer.status }
      : answer
        ? { detail: answer.message, network: answer.code }
        : {}),
  });
}
