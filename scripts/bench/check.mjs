// `datachonk check` against a healthy local app: wall time of the whole command (process start
// included) and the suite's own duration (its --json summary), over `runs` runs one after the other.
// The app is written right (raw-body HMAC with the format checked first, 400 to bad input, 2xx to
// repeats and unknown types), so every check passes; a run that does not pass stops the benchmark.
import { spawn } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { median } from './stats.mjs';

const SECRET = 'whsec_benchmark_check';

function startApp() {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const header = req.headers['x-datachonk-signature'];
      const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
      const signed =
        typeof header === 'string' &&
        /^sha256=[0-9a-f]{64}$/.test(header) &&
        timingSafeEqual(Buffer.from(header), expected);
      let status = signed ? 200 : 401;
      if (signed) {
        try {
          const event = JSON.parse(raw.toString('utf8'));
          if (typeof event?.id !== 'string' || typeof event.event !== 'string' || typeof event.data !== 'object')
            status = 400;
        } catch {
          status = 400;
        }
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? '{"received":true}' : '{"error":"refused"}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function once(bin, url, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, '--json', 'check', url, '--secret', SECRET], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      const summary = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
      if (code !== 0 || summary.failed !== 0) reject(new Error(`datachonk check exited ${code}: ${err}\n${out}`));
      else resolve({ wallMs, suiteMs: summary.duration_ms, checks: summary.checks });
    });
  });
}

/** Runs `datachonk check` `runs` times against a healthy app on 127.0.0.1:0. */
export async function measureCheck(bin, { runs = 10, env = process.env } = {}) {
  const app = await startApp();
  const url = `http://127.0.0.1:${app.address().port}/webhooks/datachonk`;
  const results = [];
  try {
    await once(bin, url, env); // warm-up: the dev secret and the file cache
    for (let i = 0; i < runs; i++) results.push(await once(bin, url, env));
  } finally {
    app.close();
  }
  const wall = results.map((r) => r.wallMs);
  const suite = results.map((r) => r.suiteMs);
  return {
    runs,
    checks: results[0].checks,
    wallMedian: median(wall),
    wallMax: Math.max(...wall),
    suiteMedian: median(suite),
    suiteMax: Math.max(...suite),
  };
}
