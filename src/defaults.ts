// Defaults shared by commands and by the help text, kept here so that `--help` imports nothing heavy.

/** Where `trigger` sends by default: what `datachonk listen` listens on by default. */
export const DEFAULT_TRIGGER_URL = 'http://127.0.0.1:4747/webhooks/datachonk';
export const DEFAULT_TRIGGER_TIMEOUT = '10s';
export const DEFAULT_LISTEN_HOST = '127.0.0.1';
export const DEFAULT_LISTEN_PORT = '4747';
export const DEFAULT_LISTEN_PATH = '/webhooks/datachonk';
export const DEFAULT_FORWARD_TIMEOUT = '30s';
export const DEFAULT_MAX_BODY = '5MiB';
/** The web inspector's port (`listen --inspect`, `inspect`): ngrok's is 4040. */
export const DEFAULT_INSPECT_PORT = '4041';
/** `listen --tunnel`: the waits before each restart of a lost tunnel (8 restarts, about 2 minutes), then it gives up. */
export const DEFAULT_TUNNEL_RETRY = '1s,2s,4s,8s,16s,30s,30s,30s';
/** `listen --tunnel`: how often the public URL is checked. */
export const DEFAULT_TUNNEL_CHECK = '30s';
/** Failed checks in a row (once the URL has answered) that mean the tunnel is lost. */
export const TUNNEL_CHECK_FAILURES = 3;
/** How long one check waits for an answer. */
export const TUNNEL_CHECK_TIMEOUT_MS = 10_000;
/** Journal file name under the state folder. */
export const JOURNAL_FILE = 'events.ndjson';
/** Under the state folder: a note per running listener (core/listen/presence.ts). */
export const LISTENERS_DIR = 'listeners';
export const DEFAULT_EMULATOR_HOST = '127.0.0.1';
export const DEFAULT_EMULATOR_PORT = '4010';
export const DEFAULT_EMULATOR_URL = 'http://127.0.0.1:4010/v1';
export const DEFAULT_RETRY_SCHEDULE = '1s,2s,4s,8s,16s';
/** Emulator data file name under the state folder. */
export const EMULATOR_FILE = 'emulator.json';
