// Defaults shared by commands and by the help text, kept here so that `--help` imports nothing heavy.

/** Where `trigger` sends by default: what `datachonk listen` listens on by default. */
export const DEFAULT_TRIGGER_URL = 'http://127.0.0.1:4747/webhooks/datachonk';
export const DEFAULT_TRIGGER_TIMEOUT = '10s';
/**
 * `trigger` stops after this many connections in a row were refused: nothing listens there, and a long
 * `--count` would only repeat the refusal thousands of times a second.
 */
export const TRIGGER_GIVE_UP_AFTER = 10;
export const DEFAULT_LISTEN_HOST = '127.0.0.1';
export const DEFAULT_LISTEN_PORT = '4747';
export const DEFAULT_LISTEN_PATH = '/webhooks/datachonk';
/** The listener's numbers, for `datachonk listen` and `startListener()` alike. */
export const RECEIVER_DEFAULTS = {
  forwardTimeoutMs: 30_000,
  maxBodyBytes: 5 * 1024 * 1024,
  /** A client that has not sent its whole request by then gets 408. */
  requestTimeoutMs: 30_000,
  /** How long shutdown waits for forwards in flight. */
  drainTimeoutMs: 10_000,
} as const;
export const DEFAULT_FORWARD_TIMEOUT = `${RECEIVER_DEFAULTS.forwardTimeoutMs / 1000}s`;
export const DEFAULT_MAX_BODY = `${RECEIVER_DEFAULTS.maxBodyBytes / 1024 / 1024}MiB`;
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
/** The DataChonk API, when no --api-url, DATACHONK_API_URL or stored URL says otherwise. */
export const DEFAULT_API_URL = 'https://api.datachonk.io/v1';
export const DEFAULT_EMULATOR_HOST = '127.0.0.1';
export const DEFAULT_EMULATOR_PORT = '4010';
export const DEFAULT_EMULATOR_URL = 'http://127.0.0.1:4010/v1';
export const DEFAULT_RETRY_SCHEDULE = '1s,2s,4s,8s,16s';
/** Emulator data file name under the state folder. */
export const EMULATOR_FILE = 'emulator.json';
