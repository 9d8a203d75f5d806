// The inspector's JSON API, on the page's own origin. State-changing requests carry the
// per-process token the server wrote into this page's HTML; the browser adds Origin itself.

const tokenMeta = document.querySelector('meta[name="datachonk-token"]');
const TOKEN = tokenMeta instanceof HTMLMetaElement ? tokenMeta.content : '';

/** A failed API call: its HTTP status and the server's `{ error }` or `{ issues }`. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body && typeof body.error === 'string' ? body.error : `the inspector answered ${status}`);
    this.status = status;
    this.body = body ?? {};
  }
}

async function call(path, init = {}) {
  const response = await fetch(path, { ...init, headers: { accept: 'application/json', ...init.headers } });
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { error: text.slice(0, 200) };
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

const events = (rid, rest = '') => `/api/events/${encodeURIComponent(rid)}${rest}`;

/** A page of summaries, newest first: `{ entries, more }`. */
export function listEvents(query, signal) {
  return call(`/api/events?${query}`, { signal });
}

export const getInfo = () => call('/api/info');
export const getEvent = (rid, signal) => call(events(rid), { signal });
export const getCurl = (rid) => call(events(rid, '/curl'));
export const bodyUrl = (rid) => events(rid, '/body');

function post(path, body) {
  const init = { method: 'POST', headers: { 'x-datachonk-token': TOKEN } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return call(path, init);
}

/** The same bytes again, re-signed, to the forward targets: `{ status }` (what the listener answered). */
export const replay = (rid) => post(events(rid, '/replay'));

/** An edited body, validated (unless `force`), re-signed and sent: `{ status }`, or an ApiError 422 with issues. */
export const send = (rid, body, force) => post(events(rid, '/send'), { body, force });
