// The latency probe's client: one keep-alive connection (an undici Client, pipelining 1) sending a
// POST every 1/rate seconds, as a sender delivering a steady trickle of events would. Each latency is
// timed from the moment the request is handed to the client to the end of the response body.
// Sends are scheduled on a fixed grid (start + i/rate), so a slow answer delays the next send but
// does not shift the whole schedule; `late` counts the sends that left more than 1 ms after their slot.
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'undici';

/**
 * Sends `count` requests to `origin` + `path` at `rate` per second over one connection and returns
 * `{ latencies (ms), errors, connections, late, seconds }`. Bounded: it ends after `count` sends.
 */
export async function paced(origin, path, { body, headers, rate = 100, count = 300 }) {
  const client = new Client(origin, { pipelining: 1, keepAliveTimeout: 60_000 });
  let connections = 0;
  client.on('connect', () => connections++);
  const latencies = [];
  let errors = 0;
  let late = 0;
  const intervalMs = 1000 / rate;
  const start = performance.now();
  try {
    for (let i = 0; i < count; i++) {
      const slot = start + i * intervalMs;
      const wait = slot - performance.now();
      if (wait > 0) await sleep(wait);
      const sent = performance.now();
      if (sent - slot > 1) late++;
      try {
        const response = await client.request({ path, method: 'POST', headers, body });
        await response.body.dump();
        if (response.statusCode >= 200 && response.statusCode < 300) latencies.push(performance.now() - sent);
        else errors++;
      } catch {
        errors++;
      }
    }
  } finally {
    await client.close();
  }
  return { latencies, errors, connections, late, seconds: (performance.now() - start) / 1000 };
}
