import { command, text, type GroupSpec } from '../define.js';
import { apiOptions } from '../shared-options.js';

const loginOptions = {
  apiKey: text('--api-key <key>', 'the key (visible in your shell history: prefer the prompt or a pipe)'),
  apiUrl: text('--api-url <url>', 'API base URL to use from now on (stored too)'),
};

export type LoginSpecs = typeof loginOptions;
export type StatusSpecs = typeof apiOptions;

export default {
  commands: [
    command({
      name: 'login',
      description: 'check an API key and store it (prompted on a terminal, read from stdin when piped)',
      options: loginOptions,
      examples: ['datachonk auth login', 'printf \'%s\' "$DATACHONK_KEY" | datachonk auth login'],
      action: async () => (await import('./run.js')).login,
    }),
    command({
      name: 'status',
      description: 'show the API URL and where the key comes from (masked); exit 1 without a key',
      options: apiOptions,
      examples: ['datachonk auth status', 'datachonk auth status --json'],
      action: async () => (await import('./run.js')).status,
    }),
    command({
      name: 'logout',
      description: 'remove the stored API key',
      options: {},
      examples: ['datachonk auth logout'],
      action: async () => (await import('./run.js')).logout,
    }),
  ],
} satisfies GroupSpec;
