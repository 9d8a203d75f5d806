"""A DataChonk webhook receiver with FastAPI. pip install fastapi uvicorn, then:

DATACHONK_WEBHOOK_SECRET=whsec_... python3 fastapi_receiver.py
"""
import hashlib
import hmac
import json
import os

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

SECRET = os.environ["DATACHONK_WEBHOOK_SECRET"].encode()
handled = set()  # event ids already handled: keep them in your database in production
app = FastAPI()


@app.post("/webhooks/datachonk")
async def datachonk_webhook(request: Request):
    body = await request.body()  # the raw bytes, as signed: no Pydantic model parameter before verifying
    expected = b"sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest().encode()
    # Compare bytes, not str: compare_digest raises TypeError on a str holding non-ASCII characters.
    given = request.headers.get("x-datachonk-signature", "").encode("utf-8", "replace")
    if not hmac.compare_digest(expected, given):
        return JSONResponse({"error": "invalid signature"}, status_code=401)
    try:
        event = json.loads(body)
    except ValueError:
        return JSONResponse({"error": "the body is not JSON"}, status_code=400)
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        return JSONResponse({"error": "not a DataChonk event"}, status_code=400)
    # DataChonk retries a delivery that failed: the same event may come twice. Handle it once.
    # No await between the test and the add, so two deliveries at once cannot both pass it.
    if event["id"] in handled:
        print(f"{event.get('event')} {event['id']}: a repeat, already handled", flush=True)
    else:
        handled.add(event["id"])
        # Your code goes here, by event["event"]; ignore the types you do not know. Slow work: a BackgroundTask.
        print(f"{event.get('event')} {event['id']}: verified, handled", flush=True)
    return {"received": True}


if __name__ == "__main__":
    uvicorn.run(app, port=int(os.environ.get("PORT", 3000)))
