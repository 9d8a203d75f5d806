import { DEFAULT_FORWARD_TIMEOUT } from '../../defaults.js';
import { command, flag, parsed, repeatable, text, type GroupSpec, type OptionValues } from '../define.js';
import { duration, matchCondition, moment, oneOf, sinceMoment, statusPattern, wholeNumber } from '../parsers.js';
import { secretOption } from '../shared-options.js';
import { target } from '../targets.js';

const listOptions = {
  limit: parsed('--limit <n>', 'how many to show (of those that match)', wholeNumber(1, 1_000_000), {
    defaultText: '20',
  }),
  event: text('--event <type>', 'only this event type, or a pattern with * (generation.*)'),
  status: parsed(
    '--status <status>',
    'only these answers of the app (of any target, with several): 200, 4xx, failed (no answer) or none (not forwarded)',
    statusPattern,
  ),
  verdict: parsed(
    '--verdict <verdict>',
    'only what the listener did: accepted, filtered or rejected',
    oneOf(['accepted', 'filtered', 'rejected'] as const),
  ),
  since: parsed(
    '--since <when>',
    'only those received since: 10m, 2h, 1d ago, or a date (2026-11-29T10:00:00Z)',
    moment,
  ),
};
const showOptions = {
  raw: flag(
    '--raw',
    'print only the body, its bytes exactly as received, control characters included (without it they are shown escaped)',
  ),
};
const resendOptions = {
  to: parsed('--to <target>', 'send it here instead: 3000, localhost:3000 or a URL', target),
  ...secretOption('re-sign it with this secret (by default the signature the app was sent the first time is sent)'),
  timeout: parsed('--timeout <duration>', 'give up on a response after this long', duration, {
    defaultText: DEFAULT_FORWARD_TIMEOUT,
  }),
  allowRejected: flag(
    '--allow-rejected',
    'send it even though the listener rejected it (its signature or body was bad)',
  ),
};

const waitOptions = {
  event: text('--event <type>', 'an event of this type, or of a pattern with * (generation.*)'),
  match: repeatable(
    '--match <path=value>',
    'whose envelope has this value at this dot path (data.chonk_id=chonk_123); all must hold',
    matchCondition,
  ),
  timeout: parsed('--timeout <duration>', 'give up after this long (exit 1)', duration, { defaultText: '30s' }),
  since: parsed(
    '--since <when>',
    'only events received since: now (the default looks at the journal too), 10m ago, or a date',
    sinceMoment,
  ),
};

export type ListSpecs = typeof listOptions;
export type WaitSpecs = typeof waitOptions;
export type ShowSpecs = typeof showOptions;
export type ResendSpecs = typeof resendOptions;
export type ResendOptions = OptionValues<ResendSpecs>;

const ID = { name: '<id>', description: 'event id (evt_…) or journal id (rcv_…)' };

export default {
  commands: [
    command({
      name: 'list',
      description: 'list received events, newest first',
      options: listOptions,
      examples: ['datachonk events list', 'datachonk events list --limit 100 --json | jq -r .id'],
      action: async () => (await import('./run.js')).list,
    }),
    command({
      name: 'show',
      description: "show a received event: body, headers and the app's responses",
      args: [ID],
      options: showOptions,
      examples: [
        'datachonk events show evt_0lOt9xmDWpcpp2jMeBg5v9nw',
        'datachonk events show rcv_5Jx2QkPq0aB1cD3e --json',
        'datachonk events show evt_0lOt9xmDWpcpp2jMeBg5v9nw --raw > body.json',
      ],
      action: async () => (await import('./run.js')).show,
    }),
    command({
      name: 'resend',
      description: 'send a received event again, byte for byte, to where it was forwarded',
      args: [ID],
      options: resendOptions,
      examples: [
        'datachonk events resend evt_0lOt9xmDWpcpp2jMeBg5v9nw',
        'datachonk events resend evt_0lOt9xmDWpcpp2jMeBg5v9nw --to localhost:4000',
      ],
      action: async () => (await import('./run.js')).resend,
    }),
    command({
      name: 'wait',
      description: 'wait until the listener has received a matching event, then print it (for tests and scripts)',
      options: waitOptions,
      examples: [
        'datachonk events wait --event generation.completed --timeout 10s',
        "datachonk events wait --event 'generation.*' --match data.chonk_name=dim_customers --json | jq .id",
        'datachonk events wait --event generation.completed --since 10m --timeout 5s   # one received in the last 10 minutes, or wait',
      ],
      action: async () => (await import('./run.js')).wait,
    }),
  ],
} satisfies GroupSpec;
