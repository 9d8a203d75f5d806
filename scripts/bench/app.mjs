// The trivial app every benchmark target forwards to: reads the body, answers 200 {"ok":true}.
// Each benchmark run carries its own id in the query string (`?run=<id>`; `listen` and
// node-http-proxy keep the query), and the app counts the POSTs it has read to the end per run id,
// so a run's "received" is exactly what reached the app for that run and nothing from a run before.
// GET /count?run=<id> answers {"requests":n,"bytes":b} for that run (zeros for an id never seen);
// the body bytes show whether two senders sent bodies of the same size.
import { createServer } from 'node:http';

const counts = new Map();
const runOf = (url) => {
  const at = url.indexOf('run=');
  if (at < 0) return '';
  const end = url.indexOf('&', at);
  return url.slice(at + 4, end < 0 ? undefined : end);
};

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url.startsWith('/count')) {
    const { requests, bytes } = counts.get(runOf(url)) ?? { requests: 0, bytes: 0 };
    res.end(JSON.stringify({ requests, bytes }));
    return;
  }
  const run = runOf(url);
  let bytes = 0;
  req.on('data', (chunk) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    const count = counts.get(run) ?? { requests: 0, bytes: 0 };
    count.requests++;
    count.bytes += bytes;
    counts.set(run, count);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 });
    res.end('{"ok":true}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
