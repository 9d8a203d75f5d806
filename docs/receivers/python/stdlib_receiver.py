"""A DataChonk webhook receiver with Python's standard library alone.

DATACHONK_WEBHOOK_SECRET=whsec_... python3 stdlib_receiver.py
"""
import hashlib
import hmac
import json
import logging
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ["DATACHONK_WEBHOOK_SECRET"].encode()
handled = set()  # event ids already handled: keep them in your database in production
lock = threading.Lock()
logging.basicConfig(level=logging.INFO)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path != "/webhooks/datachonk":
            return self.answer(404, {"error": "not found"})
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))  # the raw bytes, as signed
        expected = b"sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest().encode()
        # Compare bytes, not str: compare_digest raises TypeError on a str holding non-ASCII characters.
        given = self.headers.get("X-DataChonk-Signature", "").encode("utf-8", "replace")
        if not hmac.compare_digest(expected, given):
            return self.answer(401, {"error": "invalid signature"})
        try:
            event = json.loads(body)
        except ValueError:
            return self.answer(400, {"error": "the body is not JSON"})
        if not isinstance(event, dict) or not isinstance(event.get("id"), str):
            return self.answer(400, {"error": "not a DataChonk event"})
        # DataChonk retries a delivery that failed: the same event may come twice. Handle it once.
        with lock:
            repeat = event["id"] in handled
            handled.add(event["id"])
        if repeat:
            logging.info("%s %s: a repeat, already handled", event.get("event"), event["id"])
        else:
            # Your code goes here, by event["event"]; ignore the types you do not know. Slow work: queue it.
            logging.info("%s %s: verified, handled", event.get("event"), event["id"])
        self.answer(200, {"received": True})

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    server = ThreadingHTTPServer(("", int(os.environ.get("PORT", 3000))), Receiver)
    print(f"Listening on http://localhost:{server.server_port}/webhooks/datachonk", flush=True)
    server.serve_forever()
