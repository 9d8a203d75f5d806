import { command, flag, parsed, repeatable, text } from '../define.js';
import { nonEmpty } from '../parsers.js';
import { secretOption } from '../shared-options.js';

const options = {
  ...secretOption(),
  // Not required by commander: a verify without it says everything verify needs (run.ts), not only this.
  signature: parsed('--signature <value>', 'the x-datachonk-signature header value, sha256=… (needed)', nonEmpty),
  file: text('--file <path>', 'read the body from this file instead of stdin'),
  explain: flag(
    '--explain',
    'when the signature does not match, say why in full: the cause found, what was tried, what to fix',
  ),
  alsoSecret: repeatable(
    '--also-secret <secret>',
    "another secret the signer may have used (an old one, a colleague's), named in the diagnosis if it matches",
    nonEmpty,
  ),
  expectedBody: text(
    '--expected-body <file>',
    'the bytes the sender signed (from its log): say where the body first differs from them',
  ),
};

export type VerifySpecs = typeof options;

export default command({
  options,
  examples: [
    `printf '{"id":1}' | datachonk verify --secret whsec_test --signature "$(printf '{"id":1}' | datachonk sign --secret whsec_test)"`,
    'datachonk verify --secret whsec_test --signature sha256=… --file payload.json',
    'datachonk verify --explain --also-secret whsec_old --secret whsec_test --signature sha256=… --file payload.json',
  ],
  action: async () => (await import('./run.js')).default,
});
