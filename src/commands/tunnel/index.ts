import { command, type GroupSpec } from '../define.js';

export default {
  commands: [
    command({
      name: 'install',
      description: "download cloudflared from Cloudflare's GitHub releases (or say where it already is)",
      options: {},
      examples: ['datachonk tunnel install'],
      action: async () => (await import('./run.js')).install,
    }),
  ],
} satisfies GroupSpec;
