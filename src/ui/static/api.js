/**
 * The page talks only to the vialwise service (same origin). Errors arrive as FHIR
 * OperationOutcomes; their text is what the user sees.
 *
 * When the service asks for the API token (401), the page asks the user for it and keeps it in
 * sessionStorage: this tab only, gone when the tab closes or the user signs out; never in
 * localStorage, a cookie or a URL. It travels as `Authorization: Bearer` on every API call.
 */

const TOKEN_KEY = 'vialwise.apiToken';

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   * @param {string} [id] the OperationOutcome's id, when it has one
   */
  constructor(status, message, id) {
    super(message);
    this.status = status;
    this.id = id;
  }
}

/** @returns {string | null} the API token of this tab, if the user gave one */
export function storedToken() {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    // Storage disabled by the browser: no token.
    return null;
  }
}

/**
 * Keeps the token for this tab. Throws when the browser refuses session storage.
 * @param {string} token
 */
export function saveToken(token) {
  window.sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  try {
    window.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Nothing stored.
  }
}

/**
 * Why the service refused a call: 401 (no token or a wrong one: `rejected` when a token was sent
 * and refused) or 403 (the API is disabled until API_TOKEN is set).
 * @typedef {{ status: 401 | 403, message: string, rejected: boolean }} AccessProblem
 */

/** @type {((problem: AccessProblem) => void) | undefined} */
let accessHandler;

/**
 * What the page does when the service asks for the token or says the API is disabled.
 * @param {(problem: AccessProblem) => void} handler
 */
export function onAccessProblem(handler) {
  accessHandler = handler;
}

/**
 * @param {Record<string, string>} headers
 * @param {string | null} token
 * @returns {Record<string, string>}
 */
function withToken(headers, token) {
  return token ? { ...headers, authorization: `Bearer ${token}` } : headers;
}

/**
 * @param {Response} res
 * @param {string | null} sent the token the request carried
 * @returns {Promise<never>}
 */
async function fail(res, sent) {
  let text = `The service answered ${res.status}.`;
  /** @type {string | undefined} */
  let id;
  try {
    /** @type {unknown} */
    const body = await res.json();
    const oo =
      /** @type {{ id?: unknown, issue?: { details?: { text?: string }, diagnostics?: string }[] } | null} */ (
        body
      );
    const issue = oo?.issue?.[0];
    const detail = issue?.details?.text ?? issue?.diagnostics;
    if (typeof detail === 'string' && detail) text = detail;
    if (typeof oo?.id === 'string') id = oo.id;
  } catch {
    // Not JSON: keep the status line.
  }
  // An answer to a request sent before the user signed in again says nothing about the new token.
  const current = storedToken() === sent;
  if (res.status === 401 && current) {
    // A refused token is of no further use.
    if (sent) clearToken();
    accessHandler?.({ status: 401, message: text, rejected: sent !== null });
  } else if (res.status === 403 && id === 'api-disabled') {
    accessHandler?.({ status: 403, message: text, rejected: false });
  }
  throw new ApiError(res.status, text, id);
}

/**
 * Query string from a filter object; empty values are left out. Ids only: never a name.
 * @param {Record<string, string | undefined>} params
 */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * @param {string} path
 * @param {Record<string, string | undefined>} [params]
 * @returns {Promise<unknown>} the JSON body; each view states the shape it expects
 */
export async function getJson(path, params = {}) {
  const token = storedToken();
  const res = await fetch(path + query(params), {
    headers: withToken({ accept: 'application/json' }, token),
    credentials: 'same-origin',
  });
  if (!res.ok) return fail(res, token);
  return /** @type {Promise<unknown>} */ (res.json());
}

/**
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<unknown>}
 */
export async function postJson(path, body) {
  const token = storedToken();
  const res = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: withToken(
      body === undefined
        ? { accept: 'application/json' }
        : { 'content-type': 'application/json', accept: 'application/json' },
      token,
    ),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) return fail(res, token);
  return /** @type {Promise<unknown>} */ (res.json());
}

/**
 * Downloads a file from the API (a plain link could not carry the token): fetched with the
 * token, then saved under the name the service gives in Content-Disposition.
 * @param {string} path
 * @param {Record<string, string | undefined>} [params]
 * @param {string} [fallbackName]
 */
export async function download(path, params = {}, fallbackName = 'download') {
  const token = storedToken();
  const res = await fetch(path + query(params), {
    headers: withToken({}, token),
    credentials: 'same-origin',
  });
  if (!res.ok) return fail(res, token);
  const blob = await res.blob();
  const name =
    /filename="([^"/\\]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = window.URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => window.URL.revokeObjectURL(url), 60_000);
}
