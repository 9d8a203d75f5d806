import { DEFAULT_API_URL, DEFAULT_EMULATOR_URL } from '../../defaults.js';
import type { Topic, TopicName } from './topics.js';

// The texts of the help topics: one source for `datachonk help <topic>` (ui/help-topic.ts) and for
// docs/commands.md (commands/reference.ts). Facts only this code can vouch for: where the code and
// a guide disagree, the code is right and this text follows it.

const signatures: Topic = {
  name: 'signatures',
  title: 'Signatures: how DataChonk signs a delivery, and how to verify it',
  blocks: [
    {
      text: 'Every delivery carries one header, `x-datachonk-signature: sha256=<hex>`: the HMAC-SHA256 of the raw request body, keyed with the webhook signing secret, as 64 lowercase hex digits. It is the scheme of GitHub `X-Hub-Signature-256`.',
    },
    { heading: 'Verifying in your receiver' },
    {
      list: [
        "Verify the raw bytes of the body, before any JSON parser. A body parsed and serialized again (`JSON.stringify(req.body)`) differs in spacing, key order or escapes from the bytes DataChonk signed. With express: `express.raw({ type: '*/*' })`, and pass `req.body` (a Buffer).",
        'Check the form of the header first: `sha256=` and 64 lowercase hex digits, nothing around them. A missing, repeated (Node joins the values with `, `) or malformed header gets 401, never a crash.',
        "Compare in constant time: `crypto.timingSafeEqual` over the two digests. It throws when their lengths differ, which is why the form comes first (and `Buffer.from(s, 'hex')` silently stops at the first character that is not hex).",
        'Answer 401 when the signature does not match, and 2xx as soon as it does (slow work after answering): DataChonk counts anything else as a failed delivery and retries it.',
        'A retried event may come twice: do its work once per `id` (`evt_…`).',
      ],
    },
    {
      text: 'The datachonk package does all of this: `verify(secret, rawBody, header)` never throws and returns `{ ok: true, secretIndex }` or `{ ok: false, reason, message }`; `constructEvent(rawBody, header, secret)` verifies, parses and checks the event, and throws `WebhookVerificationError` (with its `reason`) when it cannot. Without it, in Node:',
    },
    {
      lang: 'js',
      code: [
        "import { createHmac, timingSafeEqual } from 'node:crypto';",
        '',
        '// rawBody: the bytes received (a Buffer); header: req.headers["x-datachonk-signature"].',
        'function verified(rawBody, header, secret) {',
        "  if (typeof header !== 'string' || !/^sha256=[0-9a-f]{64}$/.test(header)) return false;",
        "  const expected = createHmac('sha256', secret).update(rawBody).digest();",
        "  return timingSafeEqual(Buffer.from(header.slice('sha256='.length), 'hex'), expected);",
        '}',
      ],
    },
    {
      text: "A known answer to test your code with (GitHub publishes it for the same scheme): the secret `It's a Secret to Everybody` and the body `Hello, World!` give `sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17`.",
    },
    {
      lang: 'sh',
      code: [
        "printf 'Hello, World!' | datachonk sign --secret \"It's a Secret to Everybody\"",
        "printf 'Hello, World!' | datachonk verify --secret \"It's a Secret to Everybody\" \\",
        '  --signature sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17   # exit 0: it matches',
      ],
    },
    { heading: 'Rotating a secret' },
    {
      text: 'DataChonk signs with one secret per webhook, and a new one takes effect at once. Change the receiving end first, so that no delivery fails on the way:',
    },
    {
      list: [
        '`datachonk webhooks rotate-secret <id> --plan` makes a new secret and prints these steps; it changes nothing.',
        'Your receiver accepts both secrets, the new one first: `constructEvent(body, header, [newSecret, oldSecret])` (`secretIndex` says which matched); locally, `datachonk listen --secret <new> --secret <old>`. Deploy it.',
        '`datachonk webhooks rotate-secret <id> --secret <new>`: DataChonk signs with the new secret from now on.',
        'Once deliveries verify with the new secret (retries of older deliveries may still carry the old one), drop the old one.',
      ],
    },
    { heading: 'The local dev secret' },
    {
      text: 'When neither `--secret` nor `DATACHONK_WEBHOOK_SECRET` is given, `trigger`, `check`, `listen`, `inspect`, `sign` and `verify` use the local dev secret: `whsec_` and 43 random characters, made on first use and kept in the config file (`datachonk help files`). It stays the same until you delete it, so a receiver configured with it keeps working, and every command on this machine signs and verifies with the same one. Give your app the same secret: `datachonk listen --print-secret` prints the one in use.',
    },
  ],
};

const exitCodes: Topic = {
  name: 'exit-codes',
  title: 'Exit codes',
  blocks: [
    {
      table: {
        head: ['code', 'meaning'],
        rows: [
          [
            '0',
            'success: every delivery got the expected status; the signature is valid; `listen` stopped by Ctrl-C or SIGTERM (Ctrl-Break on Windows)',
          ],
          [
            '1',
            'failure: an unexpected status, a failed `check` (or an endpoint it could not check), a refused connection, a timeout, an invalid signature, a port in use, an unreadable config file, an id not in the journal, no cloudflared (without a terminal), cloudflared failing or its tunnel lost and not restarted, an API error (refused key, not found, rejected request), `auth status` with no key, `webhooks delete` declined at the prompt, `emulator emit` when a delivery failed, or with `--strict` and no subscriber, `demo --exit` when a delivery was not verified and answered 2xx, `events resend` of a rejected request without `--allow-rejected`',
          ],
          [
            '2',
            'usage error: a bad flag, an unknown command, help topic, event type, scenario or `check` group (with a suggestion or the list), an invalid payload or scenario file, an unreadable input file, no API key, `webhooks delete` without `--yes` and without a terminal, a bad chaos spec (`emulator start --chaos`, `emulator chaos`)',
          ],
          [
            '130',
            'interrupted: Ctrl-C or SIGTERM during `trigger` (it sends nothing more, lets the requests in flight finish and says how many were sent; a second Ctrl-C ends it at once), during `check` (the report says what ran) or `demo --exit` before its scenario was sent, or a second Ctrl-C while `listen` shuts down. Ctrl-C ends `listen`, `demo` and `emulator start` with 0',
          ],
        ],
      },
    },
    {
      text: 'Errors are printed on stderr as `error: …`, with a `hint: …` saying what to do; never a stack trace unless you pass `--debug`.',
    },
  ],
};

const environment: Topic = {
  name: 'environment',
  title: 'Environment variables',
  blocks: [
    { text: 'A flag wins over its variable, and a variable over what is stored in the config file.' },
    {
      table: {
        head: ['variable', 'meaning'],
        rows: [
          [
            'DATACHONK_WEBHOOK_SECRET',
            'the signing secret of `trigger`, `check`, `listen`, `inspect`, `sign` and `verify`: `--secret` wins over it, and it over the local dev secret (`datachonk help signatures`)',
          ],
          [
            'DATACHONK_API_KEY',
            'the API key: `--api-key` wins over it, and it over the key stored by `datachonk auth login`. `emulator emit` and `emulator chaos` send `dck_emulator` when neither is given',
          ],
          [
            'DATACHONK_API_URL',
            `the API base URL: \`--api-url\` wins over it, and it over the URL stored by \`auth login\`; default ${DEFAULT_API_URL}. Also where \`emulator emit\` and \`emulator chaos\` find the emulator (default ${DEFAULT_EMULATOR_URL}; the stored URL is not used there)`,
          ],
          [
            'CLOUDFLARED_BIN',
            'the cloudflared binary that `listen --tunnel` runs; without it, `cloudflared` on PATH, else the copy the npm package cloudflared keeps (`datachonk tunnel install`)',
          ],
          ['PATH', 'where `cloudflared` is looked for when CLOUDFLARED_BIN is not set'],
          [
            'XDG_CONFIG_HOME',
            'the base of the config folder, when an absolute path, on every platform (`datachonk help files`)',
          ],
          [
            'XDG_STATE_HOME',
            'the base of the state folder (journal, emulator data), when an absolute path, on every platform',
          ],
          [
            'APPDATA, LOCALAPPDATA',
            'Windows only: the bases of the config and the state folder when the XDG variables are not set',
          ],
          ['HOME (USERPROFILE on Windows)', 'the home folder, under which the config and state folders are by default'],
          ['NO_COLOR', 'no colours, even on a terminal (any value but empty)'],
          [
            'FORCE_COLOR',
            'colours even when not on a terminal: `1`, `2` or `3` for 16, 256 or 16 million colours; `0` or `false` turns them off. Wins over NO_COLOR',
          ],
          [
            'TZ',
            "the time zone of the times the listener, `events list` and `events show` print (default: the system's); `--json` gives UTC",
          ],
          [
            'TERM, COLORTERM',
            'how many colours a terminal shows: `TERM=dumb`, none; a TERM with `256`, 256; `COLORTERM=truecolor` or `24bit`, 16 million',
          ],
        ],
      },
    },
  ],
};

const files: Topic = {
  name: 'files',
  title: 'Files: where datachonk keeps what it keeps',
  blocks: [
    { heading: 'Folders' },
    {
      table: {
        head: ['folder', 'where'],
        rows: [
          ['<config>, Linux and macOS', '`$XDG_CONFIG_HOME/datachonk`, default `~/.config/datachonk`'],
          ['<config>, Windows', '`%APPDATA%\\datachonk`, default `<home>\\AppData\\Roaming\\datachonk`'],
          ['<state>, Linux and macOS', '`$XDG_STATE_HOME/datachonk`, default `~/.local/state/datachonk`'],
          ['<state>, Windows', '`%LOCALAPPDATA%\\datachonk`, default `<home>\\AppData\\Local\\datachonk`'],
        ],
      },
    },
    {
      text: 'XDG_CONFIG_HOME and XDG_STATE_HOME win on every platform, Windows included, when set to an absolute path; a relative one is ignored, as the XDG spec says (so is a relative %APPDATA% or %LOCALAPPDATA%). macOS uses `~/.config` and `~/.local/state` as Linux does (as git and gh do), not `~/Library/Application Support`. On Windows the config goes with the roaming profile; the journal and the emulator data stay in the local one.',
    },
    { heading: 'Files' },
    {
      table: {
        head: ['path', 'what'],
        rows: [
          [
            '<config>/config.json',
            'the local dev secret (`dev_secret`), the API key stored by `auth login` (`api_key`) and its API URL (`api_url`). Mode 0600 in a 0700 folder, written atomically',
          ],
          [
            '<state>/events.ndjson',
            'the journal of `listen`: a JSON record per request (raw body, headers, verification, targets) and per set of forward results, read by `events` and `inspect`. Mode 0600 in a 0700 folder; one readable by others is tightened first, with a warning. At 64 MiB it rolls over to `events.ndjson.1` (replacing the older one), under `events.ndjson.lock`. Several listeners may share it. `listen --no-journal` writes none',
          ],
          [
            '<state>/listeners/<pid>.json',
            'a note per running `listen` (its pid and URLs), removed when it stops; read by `inspect` and `webhooks rotate-secret`. Mode 0600 in a 0700 folder',
          ],
          [
            '<state>/tunnels/<pid>.json',
            'a note per cloudflared that `listen --tunnel` started, removed when it stops; the next `listen --tunnel` stops the cloudflared of a listener that was killed. Mode 0600 in a 0700 folder',
          ],
          [
            '<state>/emulator.json',
            'the registrations of `emulator start`, secrets included (`--data-file` puts it elsewhere, `--memory` nowhere). Mode 0600, written atomically',
          ],
          [
            '<state>/emulator-deliveries.ndjson',
            'the delivery history of the emulator, beside its data file: a record per attempt, the last 500 per webhook kept. Mode 0600',
          ],
          [
            'listen --ready-file <path>',
            'where you say: the ready object (JSON), removed when the listener stops. Mode 0644',
          ],
        ],
      },
    },
    {
      text: 'Windows has no such modes (setting them only sets the read-only flag): there the files are private because they are in your own profile folder, and datachonk neither tightens nor reports modes.',
    },
  ],
};

/** Every topic's text, by name. */
export const TOPIC_TEXTS: Readonly<Record<TopicName, Topic>> = {
  signatures,
  'exit-codes': exitCodes,
  environment,
  files,
};
