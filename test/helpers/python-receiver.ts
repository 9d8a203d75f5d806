import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

// A real Python receiver (python3, standard library only), written the usual way: the signature
// compared as str with hmac.compare_digest, which raises TypeError on a non-ASCII header (and
// http.server then drops the connection). `mode` says which bytes it verifies: the raw body (right),
// or the body re-serialized with json.dumps, by default or compact, as receivers often do.

export type PythonMode = 'raw' | 'dumps' | 'dumps-compact';

const SCRIPT = String.raw`
import hashlib, hmac, json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

secret, mode = sys.argv[1].encode(), sys.argv[2]
seen = set()

class Receiver(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        text = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        signed = raw
        if mode != 'raw':
            try:
                parsed = json.loads(raw)
            except ValueError:
                return self.answer(400, {'error': 'invalid JSON'})
            signed = (json.dumps(parsed, separators=(',', ':')) if mode == 'dumps-compact' else json.dumps(parsed)).encode()
        expected = 'sha256=' + hmac.new(secret, signed, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, self.headers.get('X-DataChonk-Signature', '')):
            return self.answer(401, {'error': 'invalid signature'})
        try:
            event = json.loads(raw)
        except ValueError:
            return self.answer(400, {'error': 'invalid JSON'})
        if not isinstance(event, dict) or not all(k in event for k in ('id', 'event', 'created_at', 'project_id', 'data')):
            return self.answer(400, {'error': 'not a DataChonk event'})
        seen.add(event['id'])
        self.answer(200, {'received': True})

server = ThreadingHTTPServer(('127.0.0.1', 0), Receiver)
print(server.server_address[1], flush=True)
server.serve_forever()
`;

export interface PythonReceiver {
  url: string;
  close(): Promise<void>;
}

/** Starts the receiver on 127.0.0.1, a free port; resolves once it listens. */
export async function startPythonReceiver(secret: string, mode: PythonMode): Promise<PythonReceiver> {
  const child = spawn('python3', ['-c', SCRIPT, secret, mode], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout });
  const [port] = (await once(lines, 'line')) as [string];
  lines.close();
  return {
    url: `http://127.0.0.1:${port.trim()}/webhooks/datachonk`,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill();
      await exited;
    },
  };
}
