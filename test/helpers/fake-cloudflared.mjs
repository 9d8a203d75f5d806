#!/usr/bin/env node
// A stand-in for cloudflared (which cannot be downloaded here): prints what `cloudflared tunnel --url`
// prints, in its real format, and behaves as FAKE_CLOUDFLARED_MODE says:
//   ok (default)  the boxed trycloudflare.com URL, then a registered connection; waits for a signal
//   api-error     a failed request to api.trycloudflare.com, then exit 1
//   silent        prints nothing and waits
//   die           ready as `ok`; loses its connection and exits 1 when it gets SIGUSR2 (the test says when)
// FAKE_CLOUDFLARED_STARTS names a file that counts its starts (a listener restarting its tunnel starts it
// again): from the second start on, its URL gets `-<n>` (https://<host>-2.trycloudflare.com, as each real
// quick tunnel has a new one) and its mode is FAKE_CLOUDFLARED_RESTART_MODE when that is set.
// FAKE_CLOUDFLARED_PIDFILE receives its pid (the latest start's); FAKE_CLOUDFLARED_ARGSFILE its arguments;
// FAKE_CLOUDFLARED_IGNORE_SIGINT=1 makes it ignore SIGINT (so that only SIGKILL ends it);
// FAKE_CLOUDFLARED_HOLD_PORT: see below.
// FAKE_CLOUDFLARED_REPORT_URL: it POSTs `started` there once its signal handlers are in place (and
// prints nothing before that report is received), then each signal it catches (SIGINT, SIGTERM,
// SIGUSR2), its name as the body, before it acts on it. SIGKILL cannot be caught: a process killed by it
// reports nothing, which is how a test tells the two apart. SIGUSR2 in any mode is a probe: "alive?".
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';

const env = process.env;
const start = env.FAKE_CLOUDFLARED_STARTS ? countStart(env.FAKE_CLOUDFLARED_STARTS) : 1;
const mode = (start > 1 ? env.FAKE_CLOUDFLARED_RESTART_MODE : undefined) ?? env.FAKE_CLOUDFLARED_MODE ?? 'ok';
const host = `${env.FAKE_CLOUDFLARED_HOST ?? 'seasonal-deck-organisms-sf'}${start > 1 ? `-${start}` : ''}`;

/** This start's number (1-based), counted in `file`: one start at a time, as a listener runs one tunnel at a time. */
function countStart(file) {
  let done = 0;
  try {
    done = Number(readFileSync(file, 'utf8')) || 0;
  } catch {
    /* the first start */
  }
  writeFileSync(file, String(done + 1));
  return done + 1;
}
if (env.FAKE_CLOUDFLARED_PIDFILE) writeFileSync(env.FAKE_CLOUDFLARED_PIDFILE, String(process.pid));
if (env.FAKE_CLOUDFLARED_ARGSFILE) writeFileSync(env.FAKE_CLOUDFLARED_ARGSFILE, JSON.stringify(process.argv.slice(2)));

// FAKE_CLOUDFLARED_HOLD_PORT: it holds a connection to 127.0.0.1:<port> open for as long as it lives;
// the kernel closes it when the process ends, however it ends, so a test can await its death.
if (env.FAKE_CLOUDFLARED_HOLD_PORT) connect(Number(env.FAKE_CLOUDFLARED_HOLD_PORT), '127.0.0.1').on('error', () => {});

const ts = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const log = (level, text) => process.stderr.write(`${ts()} ${level} ${text}\n`);
const keepAlive = setInterval(() => {}, 1 << 30);

/** Tells the test what happened (`started`, a signal's name), then runs `then` once the test's server has it. */
function report(signal, then = () => {}) {
  if (!env.FAKE_CLOUDFLARED_REPORT_URL) return then();
  // agent: false and connection: close, so that no kept-alive socket holds the process open.
  const req = request(
    env.FAKE_CLOUDFLARED_REPORT_URL,
    { method: 'POST', agent: false, headers: { connection: 'close' } },
    (res) => {
      res.resume();
      res.on('end', then);
    },
  );
  req.on('error', then);
  req.end(signal);
}

process.on('SIGINT', () =>
  report('SIGINT', () => {
    if (env.FAKE_CLOUDFLARED_IGNORE_SIGINT === '1') return;
    log('INF', 'Initiated graceful shutdown');
    log('INF', 'Tunnel server stopped');
    clearInterval(keepAlive);
    process.exitCode = 0;
  }),
);
process.on('SIGTERM', () =>
  report('SIGTERM', () => {
    clearInterval(keepAlive);
    process.exit(0);
  }),
);
process.on('SIGUSR2', () =>
  report('SIGUSR2', () => {
    if (mode !== 'die') return;
    log('ERR', 'Connection terminated error="control stream encountered a failure while serving"');
    process.exit(1);
  }),
);

report('started', () => {
  if (mode === 'silent') return;
  log(
    'INF',
    'Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment and try it out. However, be aware that these account-less Tunnels have no uptime guarantee, are subject to the Cloudflare Online Services Terms of Use (https://www.cloudflare.com/website-terms/), and Cloudflare reserves the right to investigate your use of Tunnels for violations of such terms.',
  );
  log('INF', 'Requesting new quick Tunnel on trycloudflare.com...');
  if (mode === 'api-error') {
    log(
      'ERR',
      'failed to request quick Tunnel: Post "https://api.trycloudflare.com/tunnel": dial tcp: lookup api.trycloudflare.com on 127.0.0.53:53: server misbehaving',
    );
    process.exit(1);
  }
  setTimeout(() => {
    log('INF', '+--------------------------------------------------------------------------------------------+');
    log('INF', '|  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |');
    log('INF', `|  https://${host}.trycloudflare.com${' '.repeat(Math.max(1, 78 - host.length))}|`);
    log('INF', '+--------------------------------------------------------------------------------------------+');
    log(
      'INF',
      'Cannot determine default configuration path. No file [config.yml config.yaml] in [~/.cloudflared ~/.cloudflare-warp ~/cloudflare-warp /etc/cloudflared /usr/local/etc/cloudflared]',
    );
    log('INF', 'Version 2024.8.2 (Checksum 1f7a2c)');
    log('INF', 'Starting metrics server on 127.0.0.1:20241/metrics');
    setTimeout(() => {
      log(
        'INF',
        'Registered tunnel connection connIndex=0 connection=8f2e07c1-5a43-4e1b-9f0a-2b1e6c9d4a77 event=0 ip=198.41.192.7 location=ams01 protocol=quic',
      );
    }, 30);
  }, 30);
});
