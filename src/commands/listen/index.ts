import {
  DEFAULT_FORWARD_TIMEOUT,
  DEFAULT_INSPECT_PORT,
  DEFAULT_LISTEN_HOST,
  DEFAULT_LISTEN_PATH,
  DEFAULT_LISTEN_PORT,
  DEFAULT_MAX_BODY,
  DEFAULT_TUNNEL_CHECK,
  DEFAULT_TUNNEL_RETRY,
} from '../../defaults.js';
import { command, flag, parsed, repeatable, text, type OptionValues } from '../define.js';
import {
  commaList,
  duration,
  durationOrOff,
  durations,
  httpUrl,
  nonEmpty,
  size,
  urlPath,
  wholeNumber,
} from '../parsers.js';
import { forwardRoute } from '../targets.js';
import { apiOptions } from '../shared-options.js';

const options = {
  forward: repeatable(
    '--forward <target>',
    "forward to your app: 3000, :3000, localhost:3000 or a URL; pattern=target sends it only the events the pattern takes ('chonk.*=localhost:3000/chonks'), a target without one the rest",
    forwardRoute,
  ),
  port: parsed('--port <port>', 'port to listen on (0 picks a free one)', wholeNumber(0, 65535), {
    defaultText: DEFAULT_LISTEN_PORT,
  }),
  host: text('--host <host>', 'address to listen on', { default: DEFAULT_LISTEN_HOST }),
  path: text('--path <path>', 'path that accepts webhooks', { default: DEFAULT_LISTEN_PATH, parse: urlPath }),
  secret: repeatable(
    '--secret <secret>',
    'signing secret to verify with (default: $DATACHONK_WEBHOOK_SECRET, else the local dev secret); during a rotation give the new one, then the old: either verifies',
    nonEmpty,
  ),
  skipSignatureCheck: flag(
    '--skip-signature-check',
    'accept unsigned or wrongly signed requests, marked as unverified (TLS certificates: see --forward-ca)',
  ),
  // The old name, kept working with a note: Stripe CLI's --skip-verify skips TLS checks, not signatures.
  skipVerify: flag('--skip-verify', 'the old name of --skip-signature-check', { hidden: true }),
  events: parsed(
    '--events <types>',
    'forward only these event types, comma-separated (others are acknowledged)',
    commaList,
  ),
  forwardTimeout: parsed('--forward-timeout <duration>', 'answer 504 when the app takes longer', duration, {
    defaultText: DEFAULT_FORWARD_TIMEOUT,
  }),
  forwardCa: text(
    '--forward-ca <file>',
    'trust this CA certificate (PEM) for https forward targets, besides the system\'s: a local CA such as mkcert\'s ("$(mkcert -CAROOT)/rootCA.pem")',
  ),
  forwardInsecure: {
    ...flag('--forward-insecure', 'do not check the certificates of https forward targets (any one is trusted)'),
    conflicts: ['forwardCa'],
  },
  maxBody: parsed('--max-body <size>', 'answer 413 to larger bodies', size, { defaultText: DEFAULT_MAX_BODY }),
  journal: flag('--no-journal', 'do not record requests in the journal'),
  inspect: {
    ...parsed(
      '--inspect [port]',
      `serve the web inspector on 127.0.0.1 (port ${DEFAULT_INSPECT_PORT} when none is given; 0 picks a free one)`,
      wholeNumber(0, 65535),
    ),
    preset: DEFAULT_INSPECT_PORT,
    conflicts: ['journal'],
  },
  readyFile: text(
    '--ready-file <path>',
    'once listening, write the ready object (JSON: URL, port, targets…) to this file, whole; removed when the listener stops',
  ),
  verbose: flag('--verbose', "also print request headers and the app's response bodies"),
  printSecret: flag('--print-secret', 'print the signing secret and exit'),
  tunnel: {
    ...flag(
      '--tunnel',
      'expose the listener through a cloudflared quick tunnel (no Cloudflare account) and register it',
    ),
    conflicts: ['tunnelUrl'],
  },
  tunnelUrl: text(
    '--tunnel-url <url>',
    'the public URL of a tunnel you run yourself (ngrok, a named Cloudflare tunnel); registered like --tunnel',
    { parse: httpUrl },
  ),
  tunnelRetry: parsed(
    '--tunnel-retry <list>',
    'with --tunnel: waits before each restart of a tunnel that died or stopped answering (then it gives up), or "none"',
    durations,
    { defaultText: DEFAULT_TUNNEL_RETRY },
  ),
  tunnelCheck: parsed(
    '--tunnel-check <interval>',
    'with --tunnel: how often to check that the public URL still reaches the listener, or "off"',
    durationOrOff,
    { defaultText: DEFAULT_TUNNEL_CHECK },
  ),
  register: flag(
    '--register',
    'register the local URL as a webhook for this session (what you want with the emulator)',
  ),
  ...apiOptions,
};

export type ListenSpecs = typeof options;
export type ListenOptions = OptionValues<ListenSpecs>;

export default command({
  options,
  examples: [
    'datachonk listen                                   # then: datachonk trigger generation.completed',
    'datachonk listen --forward localhost:3000',
    'datachonk listen --forward localhost:3000 --inspect   # then open the Inspector URL it prints',
    'datachonk listen --forward 3000 --forward http://localhost:4000/hooks --events generation.completed',
    "datachonk listen --forward 'chonk.*=localhost:3000/chonks' --forward 'generation.*=localhost:4000/gen' --forward localhost:3000",
    'datachonk listen --port 0 --json | jq .event',
    'datachonk listen --forward 3000 --secret whsec_new --secret whsec_old   # during a rotation: both verify',
    'export WEBHOOK_SECRET=$(datachonk listen --print-secret)',
    'datachonk listen --tunnel --forward localhost:3000 --events generation.completed,push.completed',
    'datachonk listen --register --forward 3000         # with `datachonk emulator start` and DATACHONK_API_URL',
  ],
  action: async () => (await import('./run.js')).default,
});
