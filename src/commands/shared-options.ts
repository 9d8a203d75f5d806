import { flag, parsed, repeatable, text } from './define.js';
import { nonEmpty } from './parsers.js';

// Options that several commands take, declared once.

/** `--secret`: the signing secret, for the commands that sign or verify. */
export const secretOption = (
  description = 'signing secret (default: $DATACHONK_WEBHOOK_SECRET, else the local dev secret)',
) => ({ secret: parsed('--secret <secret>', description, nonEmpty) });

/** `--api-key` and `--api-url`, for the commands that call the DataChonk API. */
export const apiOptions = {
  apiKey: parsed(
    '--api-key <key>',
    'API key (default: $DATACHONK_API_KEY, else the one stored by `auth login`)',
    nonEmpty,
  ),
  apiUrl: text(
    '--api-url <url>',
    'API base URL (default: $DATACHONK_API_URL, the stored one, else https://api.datachonk.io/v1)',
  ),
};

/** How a payload is made: a fixture (or a file), then `--data`, then `--set`; for trigger and emulator emit. */
export const payloadOptions = {
  set: repeatable('--set <path=value>', 'override a payload field by dot path; JSON values are parsed'),
  data: {
    ...text('--data <json|@file>', 'JSON deep-merged into the payload, inline or from a file'),
    conflicts: ['fixture'],
  },
  fixture: text('--fixture <file>', 'send this payload file instead of the built-in fixture'),
  validate: flag('--no-validate', 'send the payload even when it does not match the event schema'),
};
