import type { FailureKind } from '../errors.js';
import type { Failure, FailureCode, FailureFacts, OverrideProblem, PayloadSource } from '../failure.js';
import { describeJsonSyntaxError } from '../core/json-syntax.js';
import { COMPARE_SECRETS } from './app-reply.js';
import { mistakeFix, mistakeWords } from './stack-advice.js';
import { escapeControls, jsonText } from './sanitize.js';

// The words for every failure core and the emulator report, naming the flags of the command the user
// ran. A failure is a usage error (exit 2) when the user's input was wrong, else a failure (exit 1).

export interface Words {
  kind: FailureKind;
  message: string;
  hint?: string | undefined;
}

/** What the words may depend on: the command the user ran, e.g. "trigger" or "emulator emit". */
export interface Said {
  command: string;
}

type Wording<C extends FailureCode> = (facts: FailureFacts[C], said: Said) => Words;

const sourceText = (source: PayloadSource, path?: string): string =>
  ({
    fixture: `the built-in fixture ${path ?? ''}`.trim(),
    'fixture-file': `the --fixture file ${path ?? ''}`.trim(),
    data: 'the --data value',
    'data-file': `the --data file ${path ?? ''}`.trim(),
    'scenario-file': `the scenario file ${path ?? ''}`.trim(),
  })[source];

const overrideProblem: Record<OverrideProblem, (f: FailureFacts['override-path']) => string> = {
  'empty-segment': () => 'has an empty segment',
  'forbidden-segment': (f) => `may not contain "${f.segment}"`,
  'not-an-index': (f) => `"${f.segment}" is not an array index`,
  'past-the-end': (f) => `index ${f.index} is past the end of an array of ${f.length}`,
};

const usage = (message: string, hint?: string): Words => ({ kind: 'usage', message, hint });
const failed = (message: string, hint?: string): Words => ({ kind: 'failure', message, hint });

const WORDS: { [C in FailureCode]: Wording<C> } = {
  'event-type-unknown': (f) =>
    usage(
      `unknown event type "${f.name}"${f.suggestion ? `: did you mean ${f.suggestion}?` : ''}`,
      `valid event types: ${f.known.join(', ')} (see \`datachonk trigger --list\`)`,
    ),
  'override-syntax': (f) =>
    usage(`--set expects path=value, got "${f.text}"`, 'for example: --set data.chonk_name=dim_orders'),
  'override-path': (f) =>
    usage(
      `--set path "${f.path}" ${overrideProblem[f.problem](f)}`,
      f.problem === 'empty-segment' ? 'use dots between keys: data.files_generated.0.lines=10' : undefined,
    ),
  'payload-invalid': (f) =>
    f.step
      ? usage(
          `the ${f.event} payload of step ${f.step.number} of scenario ${f.step.scenario} (${f.step.file}) is not valid:\n${issueLines(f.issues)}`,
          "fix the step's set/data in the scenario file or the --set value, or add --no-validate to send it anyway (to test how your app handles bad data)",
        )
      : usage(
          `the ${f.event} payload is not valid:\n${issueLines(f.issues)}`,
          'fix the --set/--data/--fixture value, or add --no-validate to send it anyway (to test how your app handles bad data)',
        ),
  'payload-not-object': (f) => usage(`${sourceText(f.source, f.path)} must be a JSON object`),
  'json-invalid': (f) =>
    usage(`${sourceText(f.source, f.path)} is not valid JSON: ${f.at ? describeJsonSyntaxError(f.at) : f.detail}`),
  'file-unreadable': (f) => usage(`cannot read ${sourceText(f.source, f.path)}: ${f.detail}`),
  'fixture-event-mismatch': (f) =>
    usage(
      `the fixture file is a ${f.fileEvent} event, not ${f.event}`,
      'leave out the event name to send the file as it is',
    ),
  'nothing-to-send': (_f, said) =>
    usage(
      'name the event type to send',
      `for example \`datachonk ${said.command} generation.completed\`${said.command === 'trigger' ? '; `--all` sends every type, `--list` lists them' : ''}`,
    ),
  'all-with-event': () => usage('--all sends every event type: leave out the event name and --fixture'),
  'scenario-unknown': (f) =>
    usage(
      `unknown scenario "${escapeControls(f.name)}"${f.suggestion ? `: did you mean ${f.suggestion}?` : ''}`,
      `the built-in scenarios: ${f.known.join(', ')} (see \`datachonk trigger --list-scenarios\`); a file of your own is named by its path, e.g. --scenario ./my-scenario.yaml`,
    ),
  'scenario-invalid': (f) =>
    usage(
      `the scenario file ${escapeControls(f.file)} is not valid:\n${f.issues.map((issue) => `  ${[issue.line === undefined ? '' : `line ${issue.line}`, issue.path].filter(Boolean).join(', ') || 'the file'}: ${escapeControls(issue.message)}`).join('\n')}`,
      'the format is in docs/trigger.md ("Scenarios"); the built-ins are examples of it: `datachonk trigger --list-scenarios`',
    ),
  'target-invalid': (f, said) =>
    usage(
      `${said.command === 'events resend' ? '--to' : '--forward'}: "${f.text}" ${f.problem === 'syntax' ? 'is not a port, host:port or URL' : 'must be an http:// or https:// URL'}`,
      'for example: localhost:3000, 3000 or http://localhost:3000/webhooks',
    ),
  'port-in-use': (f, said) =>
    failed(`port ${f.port} on ${f.host} is already in use`, PORT_TAKEN[f.server](said.command)),
  'cannot-listen': (f, said) =>
    failed(
      `cannot listen on ${f.host}:${f.port}: ${f.code}`,
      f.server === 'inspector'
        ? `pick another port: ${inspectorPortFlag(said.command)} <port> (0 picks a free one)`
        : 'pick another --host or --port',
    ),
  'emulator-data-unreadable': (f) => failed(`cannot read the emulator data file ${f.file}: ${f.detail}`),
  'emulator-data-damaged': (f) =>
    failed(
      `the emulator data file ${f.file} is damaged`,
      'delete it to start with no webhooks, or pass another --data-file',
    ),
  'journal-unopenable': (f) =>
    failed(`cannot open the journal ${f.file}: ${f.detail}`, "fix its folder's permissions, or run with --no-journal"),
  'api-url-invalid': (f) => usage(`the API URL "${f.url}" is not a URL`, 'for example: https://api.datachonk.io/v1'),
  'api-url-insecure': (f) =>
    usage(
      `refusing to send the API key over ${f.protocol}//${f.host}: only https, or plain http to localhost`,
      'use an https:// API URL (plain http is allowed for 127.0.0.1 and localhost, e.g. the local emulator)',
    ),
  'api-unreachable': (f) =>
    failed(
      `cannot reach the DataChonk API: ${f.detail}`,
      f.loopback
        ? 'is `datachonk emulator start` running?'
        : 'check your connection and the API URL (`datachonk auth status`)',
    ),
  'api-not-json': (f) =>
    failed(
      `the API answered with something that is not JSON (HTTP ${f.status})`,
      'is the API URL right? check `datachonk auth status`',
    ),
  'api-unexpected': (f) =>
    failed(
      `the API answered ${f.method} ${f.path} with something unexpected: ${f.field}: ${f.message}`,
      'is the API URL right? check `datachonk auth status`',
    ),
  'api-error': (f) => apiErrorWords(f),
  'tunnel-cannot-start': (f) =>
    failed(
      `cannot start cloudflared (${f.bin}): ${f.detail}`,
      'check CLOUDFLARED_BIN, or run `datachonk tunnel install`',
    ),
  'tunnel-exited-early': (f) =>
    failed(
      `cloudflared exited (${f.how}) before the tunnel was ready; its last lines:${quote(f.lastLines)}`,
      'quick tunnels fail while ~/.cloudflared/config.yaml exists, and need outbound access to Cloudflare',
    ),
  'tunnel-no-url': (f) =>
    failed(
      `cloudflared gave no tunnel URL within ${f.seconds}s; its last lines:${quote(f.lastLines)}`,
      'check your connection to Cloudflare, or use a tunnel you run yourself with --tunnel-url',
    ),
  'tunnel-gone': (f) =>
    failed(
      `the tunnel ${f.reason === 'exited' ? 'stopped' : 'stopped answering'}${f.restarts > 0 ? ` and ${f.restarts} restart${f.restarts === 1 ? '' : 's'} failed` : ''}, so DataChonk can no longer reach this listener`,
      f.restarts > 0
        ? 'check your connection to Cloudflare, then run `datachonk listen --tunnel` again; --tunnel-retry sets how long it keeps trying'
        : 'run `datachonk listen --tunnel` again for a new tunnel (its URL will differ)',
    ),
  'check-stopped': (f) => checkStoppedWords(f),
};

function issueLines(issues: readonly { path: string; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `  ${issue.path}: ${issue.message}`)
    .join('\n');
}

const PORT_TAKEN = {
  listener: () => 'is another `datachonk listen` running? pick another port with --port (0 picks a free one)',
  emulator: () => 'is an emulator running already? pick another port with --port',
  inspector: (command: string) =>
    `is another inspector running? pick another port: ${inspectorPortFlag(command)} <port> (0 picks a free one)`,
};

/** `inspect` takes the inspector's port as --port, `listen` as --inspect. */
const inspectorPortFlag = (command: string) => (command === 'inspect' ? '--port' : '--inspect');

const SECRET_SOURCES: Record<FailureFacts['check-stopped']['secretSource'], string> = {
  flag: '--secret',
  env: 'DATACHONK_WEBHOOK_SECRET',
  dev: 'the local dev secret',
};

/** `check` stopped early: the one clear failure instead of a wall of identical ones. */
function checkStoppedWords(f: FailureFacts['check-stopped']): Words {
  const host = hostOf(f.url);
  switch (f.reason) {
    case 'unreachable':
      return failed(
        `cannot reach ${f.url}: ${f.detail ?? 'no answer'}`,
        f.network === 'timeout'
          ? 'is your app stuck? it must answer a webhook within --timeout (raise it if it really needs longer)'
          : f.network === 'dns'
            ? 'is the host name in the URL right?'
            : `is your app running, and listening on ${host}? check the port in the URL`,
      );
    case 'not-found':
      return failed(
        `${f.url} answered ${f.status} to a webhook POST: nothing receives webhooks at that path`,
        'is the path right? give the URL your app receives DataChonk webhooks at, e.g. http://localhost:3000/webhooks/datachonk',
      );
    case 'refused-signed':
      if (f.diagnosis?.mistake)
        return failed(
          `${f.url} refused a correctly signed event with ${f.status} (${f.check}), but accepted the same event signed another way: ${mistakeWords(f.diagnosis.mistake)}; the secret is right`,
          mistakeFix(f.diagnosis.mistake, f.stack),
        );
      return failed(
        `${f.url} refused a correctly signed event with ${f.status} (${f.check})${f.diagnosis ? `, and the same event signed ${f.diagnosis.tried} usual wrong ways too (uppercase hex, re-serialized bodies, a newline added)` : ''}: it does not verify with the secret check used, from ${SECRET_SOURCES[f.secretSource]}`,
        `${COMPARE_SECRETS}, then give check that one (--secret, or DATACHONK_WEBHOOK_SECRET); if it wants an auth header, add it with --header "Authorization: …"`,
      );
    case 'went-down':
      return failed(
        `${f.url} stopped accepting connections during the run (noticed at ${f.check}): ${
          f.suspects?.length
            ? `the connection of ${f.suspects.join(', ')} broke without an answer: ${f.suspects.length === 1 ? 'that request most likely crashed it' : 'one of those requests most likely crashed it'}`
            : 'did one of the requests in flight crash it?'
        }`,
        "look in your app's log for the error: the forgery and bad-input checks send requests a receiver must refuse without crashing; fix it and run check again",
      );
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function quote(lines: readonly string[]): string {
  return lines.length ? `\n  ${lines.join('\n  ')}` : ' (it printed nothing)';
}

/** The words for a failure, as the command the user ran names things. */
export function describeFailure(failure: Failure, said: Said): Words {
  return (WORDS[failure.code] as Wording<FailureCode>)(failure.facts, said);
}

/**
 * An error answer of the API: what it said, and what to do about it. The API's own text is kept on
 * one line (escaped): a newline in it could pass for a line of ours when printed.
 */
function apiErrorWords(f: FailureFacts['api-error']): Words {
  const ref = escapeControls([f.code, f.requestId && `request ${f.requestId}`].filter(Boolean).join(', '));
  const said = `${escapeControls(f.message)} (${ref})`;
  const details = f.details as { suggestion?: unknown } | undefined;
  const suggestion = typeof details?.suggestion === 'string' ? escapeControls(details.suggestion) : undefined;
  const hint = (text: string) => (suggestion ? `${suggestion}; ${text}` : text);
  switch (f.status) {
    case 401:
      return failed(
        `the API key was refused: ${said}`,
        hint('run `datachonk auth login` with a valid key, or set DATACHONK_API_KEY'),
      );
    case 403:
      return failed(`the API key may not do this: ${said}`, hint('use a key with access to this project'));
    case 404:
      return failed(
        f.webhookId ? `webhook ${f.webhookId} not found (${ref})` : `not found: ${said}`,
        hint(
          f.webhookId
            ? 'run `datachonk webhooks list` to see the ids'
            : 'is the API URL right? check `datachonk auth status`',
        ),
      );
    case 400:
    case 422:
      return failed(`the API rejected the request: ${said}${fieldDetails(f.details)}`, suggestion);
    case 429:
      return failed(`the API is rate limiting this key: ${said}`, hint('wait a minute and try again'));
    default:
      return failed(
        `the API failed: HTTP ${f.status}, ${said}`,
        hint('try again; if it persists, quote the request id to DataChonk support'),
      );
  }
}

function fieldDetails(details: unknown): string {
  if (!details || typeof details !== 'object') return '';
  const entries = Object.entries(details as Record<string, unknown>).filter(([key]) => key !== 'suggestion');
  return entries
    .map(
      ([key, value]) =>
        `\n  ${escapeControls(key)}: ${typeof value === 'string' ? escapeControls(value) : jsonText(value)}`,
    )
    .join('');
}
