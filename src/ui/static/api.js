/**
 * The page talks only to the vialwise service (same origin). Errors arrive as FHIR
 * OperationOutcomes; their text is what the user sees.
 */

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * @param {Response} res
 * @returns {Promise<never>}
 */
async function fail(res) {
  let text = `The service answered ${res.status}.`;
  try {
    /** @type {unknown} */
    const body = await res.json();
    const issue = /** @type {{ issue?: { details?: { text?: string }, diagnostics?: string }[] } | null} */ (
      body
    )?.issue?.[0];
    const detail = issue?.details?.text ?? issue?.diagnostics;
    if (typeof detail === 'string' && detail) text = detail;
  } catch {
    // Not JSON: keep the status line.
  }
  throw new ApiError(res.status, text);
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
  const res = await fetch(path + query(params), {
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
  });
  if (!res.ok) return fail(res);
  return /** @type {Promise<unknown>} */ (res.json());
}

/**
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<unknown>}
 */
export async function postJson(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers:
      body === undefined
        ? { accept: 'application/json' }
        : { 'content-type': 'application/json', accept: 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) return fail(res);
  return /** @type {Promise<unknown>} */ (res.json());
}
