// Defaults shared by commands and by the help text, kept here so that `--help` imports nothing heavy.

/** Where `trigger` sends by default: what `datachonk listen` listens on by default. */
export const DEFAULT_TRIGGER_URL = 'http://127.0.0.1:4747/webhooks/datachonk';
export const DEFAULT_TRIGGER_TIMEOUT = '10s';
