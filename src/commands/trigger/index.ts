import { DEFAULT_LISTEN_PORT, DEFAULT_TRIGGER_TIMEOUT, DEFAULT_TRIGGER_URL } from '../../defaults.js';
import { choice, command, flag, parsed, repeatable, text, type OptionValues } from '../define.js';
import { delayRange, duration, header, httpUrl, nonEmpty, wholeNumber } from '../parsers.js';
import { payloadOptions, secretOption } from '../shared-options.js';

const options = {
  url: text(
    '--url <url>',
    `where to send it (default: the \`datachonk listen\` you are running; with several, the one on port ${DEFAULT_LISTEN_PORT}; with none, ${DEFAULT_TRIGGER_URL})`,
    { parse: httpUrl },
  ),
  ...secretOption(),
  ...payloadOptions,
  fixture: { ...payloadOptions.fixture, conflicts: ['all'] },
  all: flag('--all', 'send every event type'),
  count: parsed('--count <n>', 'send each event n times, each with a fresh id', wholeNumber(1, 10_000_000), {
    defaultText: '1',
  }),
  concurrency: parsed('--concurrency <n>', 'requests in flight at once', wholeNumber(1, 1024), { defaultText: '1' }),
  header: repeatable('--header <"Name: value">', 'add a request header', header),
  timeout: parsed('--timeout <duration>', 'give up on a response after this long (10s, 500ms, 2m)', duration, {
    defaultText: DEFAULT_TRIGGER_TIMEOUT,
  }),
  signature: choice(
    '--signature <mode>',
    'sign correctly, wrongly, or not at all',
    ['valid', 'invalid', 'missing'],
    'valid',
  ),
  expectStatus: parsed(
    '--expect-status <code>',
    'exit 0 only if every response has this status (default: any 2xx)',
    wholeNumber(100, 599),
  ),
  throughListener: flag(
    '--through-listener',
    'with --expect-status: an answer `datachonk listen` gives itself counts (default: it fails, your app never saw the request)',
  ),
  dryRun: flag('--dry-run', 'print the exact request and a curl command; send nothing'),
  printPayload: {
    ...flag('--print-payload', 'print the payload as JSON, to save, edit and send with --fixture; send nothing'),
    conflicts: ['all', 'dryRun'],
  },
  list: flag('--list', 'list the event types'),
  scenario: {
    ...text(
      '--scenario <name|file>',
      'send a sequence of events with shared ids: a built-in scenario (see --list-scenarios) or a YAML/JSON file',
      { parse: nonEmpty },
    ),
    conflicts: ['all', 'fixture', 'data', 'count', 'printPayload'],
  },
  listScenarios: flag('--list-scenarios', 'list the built-in scenarios'),
  shuffle: {
    ...flag('--shuffle', "send the scenario's events in a random order (--seed repeats one)"),
    conflicts: ['reverse'],
  },
  reverse: flag('--reverse', "send the scenario's events last first"),
  duplicate: parsed(
    '--duplicate <n>',
    "send n of the scenario's events again (same id, same bytes) at a random later place",
    wholeNumber(1, 1000),
  ),
  delay: parsed(
    '--delay <time|range>',
    'wait between sends: 200ms, 1s, or a random time in a range, 100ms-1s',
    delayRange,
  ),
  seed: parsed(
    '--seed <n>',
    'the seed of --shuffle, --duplicate and a --delay range: the same seed, the same order',
    wholeNumber(0, 4_294_967_295),
  ),
};

export type TriggerSpecs = typeof options;
export type TriggerOptions = OptionValues<TriggerSpecs>;

export default command({
  args: [{ name: '[event]', description: 'event type to send, e.g. generation.completed (see --list)' }],
  options,
  examples: [
    'datachonk trigger generation.completed',
    'datachonk trigger push.completed --url http://localhost:3000/webhooks/datachonk',
    'datachonk trigger generation.completed --set data.chonk_name=dim_orders --set data.duration_ms=42',
    'datachonk trigger generation.completed --url http://localhost:3000/webhooks/datachonk --signature invalid --expect-status 401',
    'datachonk trigger --all --count 100 --concurrency 10 --json | jq \'select(.type=="summary")\'',
    'datachonk trigger scan.completed --dry-run',
    'datachonk trigger push.completed --print-payload > my-push.json   # edit it, then:',
    'datachonk trigger push.completed --fixture my-push.json',
    'datachonk trigger --list-scenarios',
    'datachonk trigger --scenario generate-and-push --shuffle --duplicate 1',
    'datachonk trigger --scenario ./my-scenario.yaml --delay 10ms-50ms --set project_id=proj_test',
  ],
  action: async () => (await import('./run.js')).default,
});
