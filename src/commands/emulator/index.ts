import { DEFAULT_EMULATOR_HOST, DEFAULT_EMULATOR_PORT, DEFAULT_RETRY_SCHEDULE } from '../../defaults.js';
import { command, flag, parsed, text, type GroupSpec } from '../define.js';
import { chaosSpec, durations, nonEmpty, wholeNumber } from '../parsers.js';
import { payloadOptions } from '../shared-options.js';

const startOptions = {
  port: parsed('--port <port>', 'port (0 picks a free one)', wholeNumber(0, 65535), {
    defaultText: DEFAULT_EMULATOR_PORT,
  }),
  host: text('--host <host>', 'address to listen on', { default: DEFAULT_EMULATOR_HOST }),
  dataFile: {
    ...text(
      '--data-file <file>',
      'where registrations persist, the delivery history beside it as <name>-deliveries.ndjson (default: emulator.json in the state folder: `datachonk help files`)',
    ),
    conflicts: ['memory'],
  },
  memory: flag('--memory', 'keep registrations and the delivery history in memory only'),
  apiKey: parsed('--api-key <key>', 'accept only this API key (default: any non-empty one)', nonEmpty),
  retrySchedule: parsed(
    '--retry-schedule <list>',
    'delays before each retry of a failed delivery, or "none"',
    durations,
    { defaultText: DEFAULT_RETRY_SCHEDULE },
  ),
  chaos: parsed(
    '--chaos <spec>',
    'deliver with chaos, e.g. duplicate=0.2,reorder=0.3,delay=100ms-2s,fail=0.1,timeout=0.05 (chances from 0 to 1)',
    chaosSpec,
  ),
  chaosSeed: parsed(
    '--chaos-seed <n>',
    'the seed that decides the chaos, to repeat a run (default: a random one, printed)',
    wholeNumber(0, 2 ** 32 - 1),
  ),
};
/** Where the emulator-only commands find the emulator. */
const emulatorApi = {
  apiUrl: text('--api-url <url>', 'the emulator (default: $DATACHONK_API_URL, else http://127.0.0.1:4010/v1)'),
  apiKey: text('--api-key <key>', 'API key, if the emulator was started with one'),
};
const emitOptions = {
  ...payloadOptions,
  ...emulatorApi,
  strict: flag('--strict', 'exit 1 when no webhook is subscribed to the event (nothing delivered)'),
};

export type StartSpecs = typeof startOptions;
export type EmitSpecs = typeof emitOptions;
export type ChaosSpecs = typeof emulatorApi;

export default {
  commands: [
    command({
      name: 'start',
      description: 'run the emulator until Ctrl-C',
      options: startOptions,
      examples: [
        'datachonk emulator start',
        'datachonk emulator start --port 0 --memory --retry-schedule none',
        'datachonk emulator start --chaos duplicate=0.2,reorder=0.3,delay=100ms-2s,fail=0.1 --chaos-seed 42',
      ],
      action: async () => (await import('./run.js')).start,
    }),
    command({
      name: 'emit',
      description: 'have the running emulator deliver an event to every webhook subscribed to it',
      args: [{ name: '<event>', description: 'event type, e.g. generation.completed' }],
      options: emitOptions,
      examples: [
        'datachonk emulator emit generation.completed',
        'datachonk emulator emit push.completed --set data.branch=release',
      ],
      action: async () => (await import('./run.js')).emit,
    }),
    command({
      name: 'chaos',
      description:
        'give one webhook chaos of its own, in place of the emulator\'s --chaos ("none": no chaos; "default": the emulator\'s again)',
      args: [
        { name: '<id>', description: 'webhook id (wh_…)' },
        { name: '<spec>', description: 'as --chaos of emulator start, or none, or default' },
      ],
      options: emulatorApi,
      examples: ['datachonk emulator chaos wh_3kTq9 duplicate=1,fail=0.5', 'datachonk emulator chaos wh_3kTq9 default'],
      action: async () => (await import('./run.js')).chaos,
    }),
  ],
} satisfies GroupSpec;
