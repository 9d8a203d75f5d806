import { command, text } from '../define.js';
import { secretOption } from '../shared-options.js';

const options = {
  ...secretOption(),
  file: text('--file <path>', 'read the body from this file instead of stdin'),
};

export type SignSpecs = typeof options;

export default command({
  options,
  examples: [
    'datachonk sign --secret whsec_test --file payload.json',
    'datachonk trigger generation.completed --dry-run --json | jq -j .body | datachonk sign',
  ],
  action: async () => (await import('./run.js')).default,
});
