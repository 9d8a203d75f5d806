import { CHECK_GROUPS, isCheckGroup, type CheckGroup } from '../../core/check/groups.js';
import { command, flag, parsed, repeatable, text, type OptionSpec } from '../define.js';
import { duration, header, wholeNumber } from '../parsers.js';
import { secretOption } from '../shared-options.js';

/** Groups, repeatable or comma-separated: `--only forgery,bad-input --only fidelity`. */
function groupsOption(flags: string, description: string): OptionSpec<CheckGroup[]> {
  return {
    flags,
    description: `${description} (comma-separated, or repeated): ${CHECK_GROUPS.join(', ')}`,
    fallback: [],
    parse: (value, previous) => {
      const names = value
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean);
      if (names.length === 0) throw new Error(`name at least one group: ${CHECK_GROUPS.join(', ')}`);
      return [...(previous ?? []), ...names.map(checkGroup)];
    },
  };
}

function checkGroup(name: string): CheckGroup {
  if (isCheckGroup(name)) return name;
  throw new Error(`unknown group "${name}"; the groups are ${CHECK_GROUPS.join(', ')}`);
}

const options = {
  ...secretOption(
    'the secret your endpoint verifies with (default: $DATACHONK_WEBHOOK_SECRET, else the local dev secret)',
  ),
  only: { ...groupsOption('--only <groups>', 'run only these groups'), conflicts: ['skip'] },
  skip: groupsOption('--skip <groups>', 'leave out these groups'),
  expectReject: repeatable(
    '--expect-reject <code>',
    'a status that counts as refusing a forgery (default: 400, 401 or 403)',
    wholeNumber(400, 499),
  ),
  allowUnknown: repeatable(
    '--allow-unknown <code>',
    'a 4xx your endpoint answers on purpose to an unknown event type or field (default: only 2xx passes)',
    wholeNumber(400, 499),
  ),
  strict: flag('--strict', 'warnings (byte fidelity, slow answers) count as failures'),
  timeout: parsed(
    '--timeout <duration>',
    'give up on an answer after this long: a failure (10s, 500ms, 2m)',
    duration,
    { defaultText: '10s' },
  ),
  slow: parsed('--slow <duration>', 'warn about answers slower than this', duration, { defaultText: '2s' }),
  throughListener: flag(
    '--through-listener',
    "the URL is a `datachonk listen` in front of your app on purpose: the listener's own refusals count",
  ),
  junit: text('--junit <file>', 'also write the report as JUnit XML to this file, for CI'),
  header: repeatable(
    '--header <"Name: value">',
    'add a request header, e.g. for an endpoint behind an auth header (its value is never printed)',
    header,
  ),
};

export type CheckSpecs = typeof options;

export default command({
  args: [{ name: '<url>', description: 'your webhook endpoint, e.g. http://localhost:3000/webhooks/datachonk' }],
  options,
  examples: [
    'datachonk check http://localhost:3000/webhooks/datachonk',
    'datachonk check http://localhost:3000/webhooks/datachonk --junit report.xml',
    'datachonk check http://localhost:3000/webhooks/datachonk --only forgery,bad-input --expect-reject 401',
    'datachonk check http://localhost:3000/webhooks/datachonk --json | jq -c \'select(.status != "pass")\'',
  ],
  action: async () => (await import('./run.js')).default,
});
