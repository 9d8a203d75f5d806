// The inspector's JSON API, on the page's own origin. State-changing requests carry the
// per-process token the server wrote into this page's HTML; the browser adds Origin itself. A listener
// restarted since the page loaded has a new token: on "wrong token" the page reads it from /api/token
// (its own origin only) and tries once more.

const tokenMeta = document.querySelector('meta[name="datachonk-token"]');
let token = tokenMeta instanceof HTMLMetaElement ? tokenMeta.content : '';

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
  const init = () => ({
    method: 'POST',
    headers: { 'x-datachonk-token': token, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return call(path, init()).catch(async (error) => {
    if (!(error instanceof ApiError && error.status === 403 && error.body.code === 'wrong-token')) throw error;
    token = (await call('/api/token')).token;
    return call(path, init());
  });
}

/**
 * The same bytes again, re-signed, through the listener: `{ status, by, body }` (who answered: `listener` or
 * `app`). A rejected entry needs `allowRejected` (an ApiError 409 with code `rejected` otherwise).
 */
export const replay = (rid, allowRejected = false) =>
  post(events(rid, '/replay'), allowRejected ? { allow_rejected: true } : {});

/** An edited body, validated (unless `force`), re-signed and sent: `{ status, by, body }`, or an ApiError 422 with issues. */
export const send = (rid, body, { force = false, allowRejected = false } = {}) =>
  post(events(rid, '/send'), { body, force, allow_rejected: allowRejected });
