import { DEFAULT_INSPECT_PORT } from '../../defaults.js';
import { command, parsed } from '../define.js';
import { wholeNumber } from '../parsers.js';
import { secretOption } from '../shared-options.js';

const options = {
  port: parsed('--port <port>', 'port of the inspector on 127.0.0.1 (0 picks a free one)', wholeNumber(0, 65535), {
    defaultText: DEFAULT_INSPECT_PORT,
  }),
  ...secretOption(
    'secret that replays, edits and curl commands are signed with (default: $DATACHONK_WEBHOOK_SECRET, else the local dev secret)',
  ),
};

export type InspectSpecs = typeof options;

export default command({
  options,
  examples: ['datachonk inspect                 # then open the URL it prints', 'datachonk inspect --port 0'],
  action: async () => (await import('./run.js')).default,
});
