import { command, flag, parsed, text, type GroupSpec } from '../define.js';
import { commaList, httpUrl, nonEmpty } from '../parsers.js';
import { apiOptions } from '../shared-options.js';

const ID = { name: '<id>', description: 'webhook id (wh_…)' };

const createOptions = {
  url: { ...text('--url <url>', 'the endpoint DataChonk will POST to', { parse: httpUrl }), required: true },
  events: parsed('--events <types>', 'comma-separated event types (default: all)', commaList),
  secret: parsed('--secret <secret>', 'signing secret (default: a new whsec_ secret, shown once)', nonEmpty),
  description: text('--description <text>', 'a note for people'),
  ...apiOptions,
};
const updateOptions = {
  url: text('--url <url>', 'new endpoint URL', { parse: httpUrl }),
  events: parsed('--events <types>', 'new comma-separated event types', commaList),
  secret: parsed('--secret <secret>', 'new signing secret', nonEmpty),
  description: text('--description <text>', 'new description'),
  enable: { ...flag('--enable', 'resume deliveries'), conflicts: ['disable'] },
  disable: flag('--disable', 'pause deliveries'),
  ...apiOptions,
};
const rotateOptions = {
  plan: {
    ...flag(
      '--plan',
      'make a new secret and print the steps that roll both ends without dropping a delivery; changes nothing',
    ),
    conflicts: ['secret'],
  },
  secret: parsed(
    '--secret <secret>',
    'set this secret (the one --plan made) instead of generating one; never printed',
    nonEmpty,
  ),
  ...apiOptions,
};
const deleteOptions = { yes: flag('-y, --yes', 'do not ask (needed without a terminal)'), ...apiOptions };

export type CreateSpecs = typeof createOptions;
export type UpdateSpecs = typeof updateOptions;
export type DeleteSpecs = typeof deleteOptions;
export type RotateSpecs = typeof rotateOptions;
export type ApiSpecs = typeof apiOptions;

export default {
  commands: [
    command({
      name: 'create',
      description: 'register an endpoint (POST /v1/webhooks)',
      options: createOptions,
      examples: [
        'datachonk webhooks create --url https://example.com/webhooks/datachonk --events generation.completed,push.completed',
      ],
      action: async () => (await import('./run.js')).create,
    }),
    command({
      name: 'list',
      description: 'list registered endpoints',
      options: apiOptions,
      examples: ['datachonk webhooks list', 'datachonk webhooks list --json | jq -r .url'],
      action: async () => (await import('./run.js')).list,
    }),
    command({
      name: 'get',
      description: 'show one endpoint',
      args: [ID],
      options: apiOptions,
      examples: ['datachonk webhooks get wh_3kTq9'],
      action: async () => (await import('./run.js')).get,
    }),
    command({
      name: 'update',
      description: 'change an endpoint',
      args: [ID],
      options: updateOptions,
      examples: ['datachonk webhooks update wh_3kTq9 --events generation.completed --disable'],
      action: async () => (await import('./run.js')).update,
    }),
    command({
      name: 'delete',
      description: 'remove an endpoint (asks first on a terminal)',
      args: [ID],
      options: deleteOptions,
      examples: ['datachonk webhooks delete wh_3kTq9 --yes'],
      action: async () => (await import('./run.js')).remove,
    }),
    command({
      name: 'rotate-secret',
      description: 'give an endpoint a new signing secret, shown once (--plan first to drop no delivery)',
      args: [ID],
      options: rotateOptions,
      examples: [
        'datachonk webhooks rotate-secret wh_3kTq9 --plan                     # a new secret and the steps; changes nothing',
        'datachonk webhooks rotate-secret wh_3kTq9 --secret whsec_from_the_plan   # once your receiver accepts both',
        'datachonk webhooks rotate-secret wh_3kTq9                            # at once: a new secret, shown once',
      ],
      action: async () => (await import('./run.js')).rotateSecret,
    }),
    command({
      name: 'deliveries',
      description: 'list delivery attempts (the local emulator only)',
      args: [ID],
      options: apiOptions,
      examples: ['datachonk webhooks deliveries wh_3kTq9'],
      action: async () => (await import('./run.js')).deliveries,
    }),
  ],
} satisfies GroupSpec;
