import auth from './auth/index.js';
import type { AnyCommandSpec, GroupSpec } from './define.js';
import emulator from './emulator/index.js';
import events from './events/index.js';
import listen from './listen/index.js';
import sign from './sign/index.js';
import trigger from './trigger/index.js';
import tunnel from './tunnel/index.js';
import verify from './verify/index.js';
import webhooks from './webhooks/index.js';

/**
 * Every command, in the order --help lists them. The definitions are light (commander and parsers
 * only); each action is imported when its command runs. Adding a command: a folder here with an
 * index.ts (definition) and a run.ts (action), and one line below (docs/ARCHITECTURE.md).
 */
export const COMMANDS: readonly (AnyCommandSpec | GroupSpec)[] = [trigger, listen, events, sign, verify, tunnel, webhooks, auth, emulator];
