import { command, flag, type OptionValues } from '../define.js';

const options = {
  exit: flag(
    '--exit',
    'stop after the scenario: exit 0 when every delivery was verified and answered 2xx, 1 when not (a smoke test)',
  ),
};

export type DemoSpecs = typeof options;
export type DemoOptions = OptionValues<DemoSpecs>;

export default command({
  options,
  examples: [
    'datachonk demo                  # then open the Inspector URL it prints; Ctrl-C to stop',
    'datachonk demo --exit           # the same, ending after the scenario: exit 0 when it all worked',
    'datachonk demo --exit --json | jq -c \'select(.type == "delivery") | [.event, .status]\'',
  ],
  action: async () => (await import('./run.js')).default,
});
