// The REST API with the session cookie: writes carry the session's CSRF token, a 401 sends the browser to sign-in.

export const session = { tenantName: '', role: 'viewer', systemAdmin: false, csrfToken: '', expiresAt: null, signedIn: false };

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The server answered ${status}.`);
    this.status = status;
    this.problem = problem;
  }
}

export const canWrite = () => session.role === 'operator' || session.role === 'admin';
export const isAdmin = () => session.role === 'admin';

/** The session the page's shell was served with (its JSON data block, null when signed out): no request for it. */
export async function loadSession() {
  const embedded = document.getElementById('baton-session');
  const found = embedded ? JSON.parse(embedded.textContent) : null;
  embedded?.remove();
  if (found) Object.assign(session, found);
  session.signedIn = Boolean(found);
  return session.signedIn;
}

export async function signIn(apiKey) {
  const response = await fetch('/api/v1/auth/session', {
    method: 'POST',
    credentials: 'same-origin',
    // Signing in again over a live session is a write made with its cookie: it carries the session's token.
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': session.csrfToken },
    body: JSON.stringify({ apiKey }),
  });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  Object.assign(session, await response.json(), { signedIn: true });
}

export async function signOut() {
  await fetch('/api/v1/auth/session', { method: 'DELETE', credentials: 'same-origin', headers: { 'X-CSRF-Token': session.csrfToken } });
  session.signedIn = false;
  session.csrfToken = '';
}

/** Refusals that promise nothing changed and say when to come back (Retry-After): the server is saturated or a rate limit is spent. */
const RETRYABLE = new Set([429, 503]);
/** A refused call is sent again at most this many times, and never after a wait longer than MAX_WAIT_SECONDS. */
const MAX_RETRIES = 4;
const MAX_WAIT_SECONDS = 30;

/**
 * api('/jobs', { method: 'POST', json: {...} }) against /api/v1; resolves to the parsed body (null when empty).
 * A 503 or 429 with Retry-After changed nothing on the server (its throttles answer before any work), so the call is sent
 * again after the advised wait, a bounded number of times; meanwhile the page says "Server busy, retrying in N s"
 * (a baton:busy event the shell shows). A longer wait, or the last refusal, is thrown like any other error.
 */
export async function api(path, { method = 'GET', json, body, headers = {} } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
  if (method !== 'GET' && method !== 'HEAD') init.headers['X-CSRF-Token'] = session.csrfToken;
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body;
  }
  let response;
  let retries = 0;
  try {
    for (;;) {
      response = await fetch('/api/v1' + path, init);
      const wait = RETRYABLE.has(response.status) ? retryAfterSeconds(response) : null;
      if (wait === null || wait > MAX_WAIT_SECONDS || retries >= MAX_RETRIES) break;
      if (retries++ === 0) waiting++;
      busyNotice(`Server busy, retrying in ${wait} s…`);
      await new Promise(resolve => setTimeout(resolve, wait * 1000));
    }
  } finally {
    if (retries > 0 && --waiting === 0) busyNotice('');
  }
  if (response.status === 401) {
    session.signedIn = false;
    window.dispatchEvent(new CustomEvent('baton:signed-out'));
    throw new ApiError(401, { detail: 'Your session has ended; sign in again.' });
  }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** Retry-After in whole seconds (at least 1), or null when absent or an HTTP date (the throttles send seconds). */
function retryAfterSeconds(response) {
  const value = response.headers.get('Retry-After');
  if (!value || !/^\d+$/.test(value.trim())) return null;
  return Math.max(1, Number(value.trim()));
}

// Calls waiting out a refusal: the notice stays up until the last of them is answered.
let waiting = 0;
function busyNotice(text) {
  window.dispatchEvent(new CustomEvent('baton:busy', { detail: { text } }));
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return { title: response.statusText };
  }
}

/**
 * Follows a server-sent event stream of the API; handlers by event name ('open' and 'error' for the connection).
 * Returns a function that closes it. path may be a function, asked again at each reconnection (a log resumes after its
 * last line). The browser reconnects by itself after a dropped connection; an answer that is not a stream (a refusal of
 * a busy server, an error) makes it give up, so the stream is opened again here, 2 s later and backing off to 30 s.
 */
export function follow(path, handlers) {
  let source = null;
  let closed = false;
  let timer = 0;
  let delay = 2000;
  const open = () => {
    source = new EventSource('/api/v1' + (typeof path === 'function' ? path() : path), { withCredentials: true });
    source.onopen = event => {
      delay = 2000;
      handlers.open?.(event, source);
    };
    source.onerror = event => {
      handlers.error?.(event, source);
      if (closed || source.readyState !== EventSource.CLOSED) return;
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, 30000);
    };
    for (const [name, handler] of Object.entries(handlers)) {
      if (name !== 'error' && name !== 'open') source.addEventListener(name, e => handler(JSON.parse(e.data), e, source));
    }
  };
  open();
  return () => {
    closed = true;
    clearTimeout(timer);
    source.close();
  };
}

export const enc = encodeURIComponent;
