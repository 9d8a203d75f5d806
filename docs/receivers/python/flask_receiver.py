"""A DataChonk webhook receiver with Flask. pip install flask, then:

DATACHONK_WEBHOOK_SECRET=whsec_... python3 flask_receiver.py
"""
import hashlib
import hmac
import json
import logging
import os
import threading

from flask import Flask, request

SECRET = os.environ["DATACHONK_WEBHOOK_SECRET"].encode()
handled = set()  # event ids already handled: keep them in your database in production
lock = threading.Lock()
logging.basicConfig(level=logging.INFO)
app = Flask(__name__)


@app.post("/webhooks/datachonk")
def datachonk_webhook():
    body = request.get_data()  # the raw bytes, as signed: never request.json before verifying
    expected = b"sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest().encode()
    # Compare bytes, not str: compare_digest raises TypeError on a str holding non-ASCII characters.
    given = request.headers.get("X-DataChonk-Signature", "").encode("utf-8", "replace")
    if not hmac.compare_digest(expected, given):
        return {"error": "invalid signature"}, 401
    try:
        event = json.loads(body)
    except ValueError:
        return {"error": "the body is not JSON"}, 400
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        return {"error": "not a DataChonk event"}, 400
    # DataChonk retries a delivery that failed: the same event may come twice. Handle it once.
    with lock:
        repeat = event["id"] in handled
        handled.add(event["id"])
    if repeat:
        app.logger.info("%s %s: a repeat, already handled", event.get("event"), event["id"])
    else:
        # Your code goes here, by event["event"]; ignore the types you do not know. Slow work: queue it.
        app.logger.info("%s %s: verified, handled", event.get("event"), event["id"])
    return {"received": True}


if __name__ == "__main__":
    app.run(port=int(os.environ.get("PORT", 3000)))
