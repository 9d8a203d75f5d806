// The entry point: builds the commander program, registers every command, and maps errors to exit
// codes. The only place that reads process.argv/env or calls process.exit. Command modules are
// imported lazily so that `--help` and `--version` load nothing heavy.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { Command, CommanderError, Option } from 'commander';
import { resolvePaths } from './config/paths.js';
import type { Context, OutputMode } from './context.js';
import {
  DEFAULT_FORWARD_TIMEOUT, DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PATH, DEFAULT_LISTEN_PORT, DEFAULT_MAX_BODY,
  DEFAULT_TRIGGER_TIMEOUT, DEFAULT_TRIGGER_URL, DEFAULT_EMULATOR_PORT, DEFAULT_RETRY_SCHEDULE,
} from './defaults.js';
import { DatachonkError } from './errors.js';

/** The documented exit codes (README, "Exit codes"). */
export const EXIT_CODES = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

const EXIT_CODE_HELP = `
Exit codes:
  0    success (every delivery got the expected status; the signature is valid; listen stopped cleanly)
  1    failure (an unexpected status, a refused connection, a timeout, an invalid signature, a busy port)
  2    usage error (a bad flag, an unknown event type, an invalid payload)
  130  interrupted (Ctrl-C)

Environment:
  DATACHONK_WEBHOOK_SECRET  signing secret when --secret is not given
  CLOUDFLARED_BIN           the cloudflared binary for listen --tunnel (default: cloudflared on PATH)
  XDG_CONFIG_HOME           config folder (default ~/.config); datachonk keeps config.json there
  XDG_STATE_HOME            state folder (default ~/.local/state): the listener's journal, the emulator's data
  DATACHONK_API_KEY         API key when --api-key is not given (else the one stored by \`auth login\`)
  DATACHONK_API_URL         API base URL (default https://api.datachonk.io/v1)
  NO_COLOR, FORCE_COLOR     turn colours off or on`;

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

type Action = (ctx: Context, ...args: never[]) => Promise<void>;

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

function buildProgram(): Command {
  const program = new Command('datachonk')
    .description('Build and test integrations with DataChonk webhooks.')
    .version(version, '-V, --version', 'print the version')
    .option('--json', 'machine-readable output: NDJSON on stdout, nothing else there')
    .option('-q, --quiet', 'print only results and errors')
    .option('--debug', 'show stack traces of unexpected errors')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', EXIT_CODE_HELP);

  program
    .command('trigger')
    .argument('[event]', 'event type to send, e.g. generation.completed (see --list)')
    .description('send a signed, realistic DataChonk event to your app or to `datachonk listen`')
    .option('--url <url>', 'where to send it', DEFAULT_TRIGGER_URL)
    .option('--secret <secret>', 'signing secret (default: $DATACHONK_WEBHOOK_SECRET, else the local dev secret)')
    .option('--set <path=value>', 'override a payload field by dot path; JSON values are parsed (repeatable)', collect)
    .option('--data <json|@file>', 'JSON deep-merged into the payload, inline or from a file')
    .option('--fixture <file>', 'send this payload file instead of the built-in fixture')
    .option('--no-validate', 'send the payload even when it does not match the event schema')
    .option('--all', 'send every event type')
    .option('--count <n>', 'send each event n times, each with a fresh id', '1')
    .option('--concurrency <n>', 'requests in flight at once', '1')
    .option('--header <"Name: value">', 'add a request header (repeatable)', collect)
    .option('--timeout <duration>', 'give up on a response after this long (10s, 500ms, 2m)', DEFAULT_TRIGGER_TIMEOUT)
    .addOption(new Option('--signature <mode>', 'sign correctly, wrongly, or not at all').choices(['valid', 'invalid', 'missing']).default('valid'))
    .option('--expect-status <code>', 'exit 0 only if every response has this status (default: any 2xx)')
    .option('--dry-run', 'print the exact request and a curl command; send nothing')
    .option('--list', 'list the event types')
    .addHelpText('after', `
Examples:
  $ datachonk trigger generation.completed
  $ datachonk trigger push.completed --url http://localhost:3000/webhooks/datachonk
  $ datachonk trigger generation.completed --set data.chonk_name=dim_orders --set data.duration_ms=42
  $ datachonk trigger generation.completed --signature invalid --expect-status 401
  $ datachonk trigger --all --count 100 --concurrency 10 --json | jq 'select(.type=="summary")'
  $ datachonk trigger scan.completed --dry-run`)
    .action(lazy(async () => (await import('./commands/trigger.js')).default));

  program
    .command('listen')
    .description('receive DataChonk webhooks locally: verify, show, journal and forward them to your app')
    .option('--forward <target>', 'forward to your app: 3000, :3000, localhost:3000 or a URL (repeatable)', collect)
    .option('--port <port>', 'port to listen on (0 picks a free one)', DEFAULT_LISTEN_PORT)
    .option('--host <host>', 'address to listen on', DEFAULT_LISTEN_HOST)
    .option('--path <path>', 'path that accepts webhooks', DEFAULT_LISTEN_PATH)
    .option('--secret <secret>', 'signing secret (default: $DATACHONK_WEBHOOK_SECRET, else the local dev secret)')
    .option('--skip-verify', 'accept unsigned or wrongly signed requests, marked as unverified')
    .option('--events <types>', 'forward only these event types, comma-separated (others are acknowledged)')
    .option('--forward-timeout <duration>', 'answer 504 when the app takes longer', DEFAULT_FORWARD_TIMEOUT)
    .option('--max-body <size>', 'answer 413 to larger bodies', DEFAULT_MAX_BODY)
    .option('--no-journal', 'do not record requests in the journal')
    .option('--verbose', 'also print request headers and the app\'s response bodies')
    .option('--print-secret', 'print the signing secret and exit')
    .option('--tunnel', 'expose the listener through a cloudflared quick tunnel (no Cloudflare account) and register it')
    .option('--tunnel-url <url>', 'the public URL of a tunnel you run yourself (ngrok, a named Cloudflare tunnel); registered like --tunnel')
    .option('--register', 'register the local URL as a webhook for this session (what you want with the emulator)')
    .option('--api-key <key>', 'API key for the registration (default: $DATACHONK_API_KEY, else the stored one)')
    .option('--api-url <url>', 'API base URL for the registration (default: $DATACHONK_API_URL, the stored one, else the real API)')
    .addHelpText('after', `
Examples:
  $ datachonk listen                                   # then: datachonk trigger generation.completed
  $ datachonk listen --forward localhost:3000
  $ datachonk listen --forward 3000 --forward http://localhost:4000/hooks --events generation.completed
  $ datachonk listen --port 0 --json | jq .event
  $ export WEBHOOK_SECRET=$(datachonk listen --print-secret)
  $ datachonk listen --tunnel --forward localhost:3000 --events generation.completed,push.completed
  $ datachonk listen --register --forward 3000         # with \`datachonk emulator start\` and DATACHONK_API_URL`)
    .action(lazy(async () => (await import('./commands/listen.js')).default));

  const events = program
    .command('events')
    .description('look at and resend the events `datachonk listen` received (its journal)');
  events
    .command('list')
    .description('list received events, newest first')
    .option('--limit <n>', 'how many to show', '20')
    .action(lazy(async () => (await import('./commands/events.js')).list));
  events
    .command('show')
    .argument('<id>', 'event id (evt_…) or journal id (rcv_…)')
    .description('show a received event: raw body, headers and the app\'s responses')
    .action(lazy(async () => (await import('./commands/events.js')).show));
  events
    .command('resend')
    .argument('<id>', 'event id (evt_…) or journal id (rcv_…)')
    .description('send a received event again, byte for byte, to where it was forwarded')
    .option('--to <target>', 'send it here instead: 3000, localhost:3000 or a URL')
    .option('--secret <secret>', 're-sign it with this secret (by default the original signature is sent)')
    .option('--timeout <duration>', 'give up on a response after this long', DEFAULT_FORWARD_TIMEOUT)
    .addHelpText('after', `
Example:
  $ datachonk events list
  $ datachonk events resend evt_0lOt9xmDWpcpp2jMeBg5v9nw`)
    .action(lazy(async () => (await import('./commands/events.js')).resendCommand));

  program
    .command('sign')
    .description('print the x-datachonk-signature header value for a body (stdin, or --file)')
    .option('--secret <secret>', 'signing secret (default: $DATACHONK_WEBHOOK_SECRET, else the local dev secret)')
    .option('--file <path>', 'read the body from this file instead of stdin')
    .addHelpText('after', `
Example:
  $ datachonk sign --secret whsec_test --file payload.json`)
    .action(lazy(async () => (await import('./commands/sign.js')).default));

  program
    .command('verify')
    .description('check a signature against a body (stdin, or --file); exit 0 when valid, 1 when not')
    .option('--secret <secret>', 'signing secret (default: $DATACHONK_WEBHOOK_SECRET, else the local dev secret)')
    .option('--signature <value>', 'the x-datachonk-signature header value, sha256=…')
    .option('--file <path>', 'read the body from this file instead of stdin')
    .addHelpText('after', `
Example:
  $ datachonk verify --secret whsec_test --signature sha256=… --file payload.json`)
    .action(lazy(async () => (await import('./commands/verify.js')).default));

  program
    .command('tunnel')
    .description('cloudflared, for `listen --tunnel`')
    .command('install')
    .description('download cloudflared from Cloudflare\'s GitHub releases (or say where it already is)')
    .action(lazy(async () => (await import('./commands/cloudflared.js')).install));

  const webhooks = program
    .command('webhooks')
    .description('register and manage webhook endpoints with the DataChonk API');
  const withApi = (command: Command) => command
    .option('--api-key <key>', 'API key (default: $DATACHONK_API_KEY, else the one stored by `auth login`)')
    .option('--api-url <url>', 'API base URL (default: $DATACHONK_API_URL, the stored one, else https://api.datachonk.io/v1)');
  withApi(webhooks.command('create')
    .description('register an endpoint (POST /v1/webhooks)')
    .requiredOption('--url <url>', 'the endpoint DataChonk will POST to')
    .option('--events <types>', 'comma-separated event types (default: all eight)')
    .option('--secret <secret>', 'signing secret (default: a new whsec_ secret, shown once)')
    .option('--description <text>', 'a note for people')
    .addHelpText('after', `
Example:
  $ datachonk webhooks create --url https://example.com/webhooks/datachonk --events generation.completed,push.completed`))
    .action(lazy(async () => (await import('./commands/webhooks.js')).create));
  withApi(webhooks.command('list').description('list registered endpoints'))
    .action(lazy(async () => (await import('./commands/webhooks.js')).list));
  withApi(webhooks.command('get').argument('<id>', 'webhook id (wh_…)').description('show one endpoint'))
    .action(lazy(async () => (await import('./commands/webhooks.js')).get));
  withApi(webhooks.command('update').argument('<id>', 'webhook id (wh_…)').description('change an endpoint')
    .option('--url <url>', 'new endpoint URL')
    .option('--events <types>', 'new comma-separated event types')
    .option('--secret <secret>', 'new signing secret')
    .option('--description <text>', 'new description')
    .option('--enable', 'resume deliveries')
    .option('--disable', 'pause deliveries'))
    .action(lazy(async () => (await import('./commands/webhooks.js')).update));
  withApi(webhooks.command('delete').argument('<id>', 'webhook id (wh_…)').description('remove an endpoint (asks first on a terminal)')
    .option('-y, --yes', 'do not ask (needed without a terminal)'))
    .action(lazy(async () => (await import('./commands/webhooks.js')).remove));
  withApi(webhooks.command('rotate-secret').argument('<id>', 'webhook id (wh_…)').description('give an endpoint a new signing secret, shown once'))
    .action(lazy(async () => (await import('./commands/webhooks.js')).rotateSecret));
  withApi(webhooks.command('deliveries').argument('<id>', 'webhook id (wh_…)').description('list delivery attempts (the local emulator only)'))
    .action(lazy(async () => (await import('./commands/webhooks.js')).deliveries));

  const auth = program.command('auth').description('store, show and remove your DataChonk API key');
  auth.command('login')
    .description('check an API key and store it (prompted on a terminal, read from stdin when piped)')
    .option('--api-key <key>', 'the key (visible in your shell history: prefer the prompt or a pipe)')
    .option('--api-url <url>', 'API base URL to use from now on (stored too)')
    .addHelpText('after', `
Examples:
  $ datachonk auth login
  $ printf '%s' "$DATACHONK_KEY" | datachonk auth login`)
    .action(lazy(async () => (await import('./commands/auth.js')).login));
  withApi(auth.command('status').description('show the API URL and where the key comes from (masked); exit 1 without a key'))
    .action(lazy(async () => (await import('./commands/auth.js')).status));
  auth.command('logout').description('remove the stored API key')
    .action(lazy(async () => (await import('./commands/auth.js')).logout));

  const emulator = program.command('emulator').description('a local DataChonk API: register webhooks and get real, signed, retried deliveries offline');
  emulator.command('start')
    .description('run the emulator until Ctrl-C')
    .option('--port <port>', 'port (0 picks a free one)', DEFAULT_EMULATOR_PORT)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data-file <file>', 'where registrations persist (default: $XDG_STATE_HOME/datachonk/emulator.json)')
    .option('--memory', 'keep registrations in memory only')
    .option('--api-key <key>', 'accept only this API key (default: any non-empty one)')
    .option('--retry-schedule <list>', 'delays before each retry of a failed delivery, or "none"', DEFAULT_RETRY_SCHEDULE)
    .action(lazy(async () => (await import('./commands/emulator.js')).start));
  emulator.command('emit')
    .argument('<event>', 'event type, e.g. generation.completed')
    .description('have the running emulator deliver an event to every webhook subscribed to it')
    .option('--set <path=value>', 'override a payload field, as for trigger (repeatable)', collect)
    .option('--data <json|@file>', 'JSON deep-merged into the payload')
    .option('--fixture <file>', 'send this payload file instead of the built-in fixture')
    .option('--no-validate', 'send the payload even when it does not match the event schema')
    .option('--api-url <url>', 'the emulator (default: $DATACHONK_API_URL, else http://127.0.0.1:4010/v1)')
    .option('--api-key <key>', 'API key, if the emulator was started with one')
    .action(lazy(async () => (await import('./commands/emulator.js')).emit));

  return program;
}

/** Wraps a lazily imported command function as a commander action. */
function lazy(load: () => Promise<Action>) {
  return async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const positional = args.slice(0, -2);
    const ctx = createContext(command.optsWithGlobals());
    const action = await load();
    await (action as (...a: unknown[]) => Promise<void>)(ctx, ...positional, command.opts());
  };
}

/**
 * The first SIGINT or SIGTERM resolves the promise (the command then shuts down cleanly); a second
 * one exits at once. Installed only by commands that wait for it, so Ctrl-C still ends the others.
 */
function waitForShutdown(): Promise<string> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) process.exit(EXIT_CODES.interrupted);
      received = true;
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function createContext(globals: { json?: boolean; quiet?: boolean; debug?: boolean }): Context {
  // Decided once, here, and passed down (STYLE.md: no sniffing of argv deep inside helpers).
  const output: OutputMode = globals.json ? 'json' : globals.quiet ? 'quiet' : 'pretty';
  return {
    env: process.env,
    paths: resolvePaths(process.env, homedir()),
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    output,
    debug: Boolean(globals.debug),
    version,
    now: () => new Date(),
    monotonic: () => performance.now(),
    waitForShutdown,
    onExit: (fn) => process.once('exit', fn),
  };
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT_CODES.ok;
  } catch (error) {
    return report(error, argv.includes('--debug'));
  }
}

async function report(error: unknown, debug: boolean): Promise<number> {
  if (error instanceof CommanderError) {
    // Commander has printed its message already (with a suggestion when it has one).
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return EXIT_CODES.ok;
    }
    return EXIT_CODES.usage;
  }
  const { paint } = await import('./ui/style.js');
  const c = paint(process.stderr, process.env);
  if (error instanceof DatachonkError) {
    process.stderr.write(`${c.red('error:')} ${error.message}\n`);
    if (error.hint) process.stderr.write(`${c.dim('hint:')} ${error.hint}\n`);
    if (debug && error.cause) process.stderr.write(`${String((error.cause as Error).stack ?? error.cause)}\n`);
    return error.kind === 'usage' ? EXIT_CODES.usage : EXIT_CODES.failure;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${c.red('error:')} unexpected failure: ${message}\n`);
  if (debug) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
  else process.stderr.write(`${c.dim('hint:')} run again with --debug for details, and report it if it persists\n`);
  return EXIT_CODES.failure;
}

const code = await main(process.argv);
process.exit(code);
