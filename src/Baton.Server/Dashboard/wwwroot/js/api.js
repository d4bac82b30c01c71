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

export async function loadSession() {
  const response = await fetch('/api/v1/auth/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!response.ok) {
    session.signedIn = false;
    return false;
  }
  Object.assign(session, await response.json(), { signedIn: true });
  return true;
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

/** api('/jobs', { method: 'POST', json: {...} }) against /api/v1; resolves to the parsed body (null when empty). */
export async function api(path, { method = 'GET', json, body, headers = {} } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
  if (method !== 'GET' && method !== 'HEAD') init.headers['X-CSRF-Token'] = session.csrfToken;
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch('/api/v1' + path, init);
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

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return { title: response.statusText };
  }
}

/**
 * Follows a server-sent event stream of the API; handlers by event name. Returns a function that closes it.
 * The browser reconnects by itself after a drop (Last-Event-ID resumes a log).
 */
export function follow(path, handlers) {
  const source = new EventSource('/api/v1' + path, { withCredentials: true });
  for (const [name, handler] of Object.entries(handlers)) {
    if (name === 'error') source.onerror = handler;
    else source.addEventListener(name, e => handler(JSON.parse(e.data), e, source));
  }
  return () => source.close();
}

export const enc = encodeURIComponent;
