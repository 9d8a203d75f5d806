import { command, parsed, text } from '../define.js';
import { nonEmpty } from '../parsers.js';
import { secretOption } from '../shared-options.js';

const options = {
  ...secretOption(),
  signature: { ...parsed('--signature <value>', 'the x-datachonk-signature header value, sha256=…', nonEmpty), required: true },
  file: text('--file <path>', 'read the body from this file instead of stdin'),
};

export type VerifySpecs = typeof options;

export default command({
  options,
  examples: ['datachonk verify --secret whsec_test --signature sha256=… --file payload.json'],
  action: async () => (await import('./run.js')).default,
});
