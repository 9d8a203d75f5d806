import type { CommandEntry } from './define.js';

/**
 * Every top-level command, in the order --help lists them: its name, its one line, and where its
 * definition is. Only the definition of the command being run is loaded, so that --help and
 * --version stay fast. Adding a command: a folder here with an index.ts (definition: arguments,
 * options, examples) and a run.ts (action), and one line below (docs/ARCHITECTURE.md).
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'demo',
    description:
      'the whole loop on this machine, nothing else needed: a sample receiver, a listener in front of it, a scenario sent through',
    load: () => import('./demo/index.js'),
  },
  {
    name: 'trigger',
    description: 'send a signed, realistic DataChonk event to your app or to `datachonk listen`',
    load: () => import('./trigger/index.js'),
  },
  {
    name: 'check',
    description: 'probe your webhook endpoint: deliveries, forgeries, duplicates, bad input, byte fidelity, latency',
    load: () => import('./check/index.js'),
  },
  {
    name: 'listen',
    description: 'receive DataChonk webhooks locally: verify, show, journal and forward them to your app',
    load: () => import('./listen/index.js'),
  },
  {
    name: 'inspect',
    description: 'the web inspector over the journal, without a listener (`listen --inspect` serves it too)',
    load: () => import('./inspect/index.js'),
  },
  {
    name: 'events',
    description: 'look at and resend the events `datachonk listen` received (its journal)',
    load: () => import('./events/index.js'),
  },
  {
    name: 'sign',
    description: 'print the x-datachonk-signature header value for a body (stdin, or --file)',
    load: () => import('./sign/index.js'),
  },
  {
    name: 'verify',
    description: 'check a signature against a body (stdin, or --file); exit 0 when valid, 1 when not',
    load: () => import('./verify/index.js'),
  },
  { name: 'tunnel', description: 'cloudflared, for `listen --tunnel`', load: () => import('./tunnel/index.js') },
  {
    name: 'webhooks',
    description: 'register and manage webhook endpoints with the DataChonk API',
    load: () => import('./webhooks/index.js'),
  },
  { name: 'auth', description: 'store, show and remove your DataChonk API key', load: () => import('./auth/index.js') },
  {
    name: 'emulator',
    description: 'a local DataChonk API: register webhooks and get real, signed, retried deliveries offline',
    load: () => import('./emulator/index.js'),
  },
  {
    name: 'completion',
    description: 'print a shell completion script: bash, zsh or fish',
    load: () => import('./completion/index.js'),
  },
];
