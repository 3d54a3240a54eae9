/**
 * The control room's one door to the server (docs/control-room.md): JSON over fetch with the session cookie and the anti-CSRF header on every
 * mutation, and the run's event stream over SSE (the server replays the journal first, so a late
 * joiner sees everything; EventSource reconnects with Last-Event-ID on its own).
 */

/** An error the server answered with: `{ code, message }` and the HTTP status. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function errorOf(res) {
  let body = {};
  try {
    body = await res.json();
  } catch {
    // A proxy's HTML error page: the status is all there is.
  }
  return new ApiError(res.status, body.code ?? `HTTP_${res.status}`, body.message ?? res.statusText);
}

export async function getJSON(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (!res.ok) throw await errorOf(res);
  return res.json();
}

export async function getText(path) {
  const res = await fetch(path, { credentials: 'same-origin' });
  if (!res.ok) throw await errorOf(res);
  return res.text();
}

let session;

/** Who this browser is (`{ user, role, csrf }`); null when the server wants a token first (401). */
export async function currentSession() {
  if (session !== undefined) return session;
  try {
    session = await getJSON('/api/session');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
  return session;
}

export async function login(token) {
  const res = await fetch('/api/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ token }),
  });
  if (!res.ok) throw await errorOf(res);
  session = undefined;
  return currentSession();
}

/** A mutation: JSON body, the CSRF header from the session; resolves to the JSON answer. */
export async function post(path, body = {}) {
  const s = await currentSession();
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-squall-csrf': s?.csrf ?? '' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await errorOf(res);
  return res.status === 204 ? {} : res.json().catch(() => ({}));
}

/**
 * The run's events: `journal` (one journal event each), `scoreboard` (the live SLO table after
 * each slice) and `state` (queued, running, paused, finished). Returns a function that closes it.
 */
export function runEvents(runId, handlers) {
  const source = new EventSource(`/api/runs/${encodeURIComponent(runId)}/events`);
  for (const name of ['journal', 'scoreboard', 'state']) {
    source.addEventListener(name, (e) => handlers[name]?.(JSON.parse(e.data)));
  }
  source.onerror = () => handlers.connection?.(source.readyState);
  source.onopen = () => handlers.connection?.(source.readyState);
  return () => source.close();
}
