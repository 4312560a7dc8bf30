/**
 * The fetch every FHIR request goes through: counts requests, applies the timeout, retries
 * 429/502/503/504 and network errors with exponential backoff, jitter and `Retry-After`, adds
 * the OAuth2 bearer token, and turns a server that stays unavailable into FhirUnavailableError
 * (which /notify answers with 503 so the sender retries).
 */
import { VialwiseError } from '../domain/errors.ts';
import { outcomeForStatus } from './outcomes.ts';

export class FhirUnavailableError extends VialwiseError<'fhir-unavailable'> {
  /** The server's HTTP status; undefined when it never answered. */
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super('fhir-unavailable', message);
    this.name = 'FhirUnavailableError';
    this.status = status;
  }
}

export interface RetryPolicy {
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 3,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  timeoutMs: 15_000,
};

export interface TokenSource {
  /** A valid access token; `force` renews it (after a 401). */
  token(force?: boolean): Promise<string>;
}

export interface FetchHooks {
  /** Called once per HTTP attempt, with the status (0 for a network error). */
  onRequest?(status: number, durationMs: number): void;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

/** The error body of a non-Medplum server with the outcome id @medplum/core's getStatus reads (outcomes.ts). */
export function outcomeWithStatusId(body: ArrayBuffer, status: number): ArrayBuffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    parsed = undefined;
  }
  const outcome = outcomeForStatus(parsed, status);
  if (outcome === parsed) return body;
  return new TextEncoder().encode(JSON.stringify(outcome)).buffer;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `Retry-After` in seconds or as an HTTP date, in ms; undefined when absent or invalid. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const t = Date.parse(header);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  // Full jitter: spreads retries of many replicas over the window.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function createFhirFetch(
  opts: { retry?: RetryPolicy; tokens?: TokenSource; hooks?: FetchHooks } = {},
): typeof fetch {
  const policy = opts.retry ?? DEFAULT_RETRY;
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      const headers = new Headers(init?.headers);
      if (opts.tokens) headers.set('Authorization', `Bearer ${await opts.tokens.token()}`);
      const started = performance.now();
      let response: Response;
      try {
        response = await globalThis.fetch(url, {
          ...init,
          headers,
          signal: AbortSignal.timeout(policy.timeoutMs),
        });
      } catch (err) {
        opts.hooks?.onRequest?.(0, performance.now() - started);
        if (attempt >= policy.retries) {
          const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
          throw new FhirUnavailableError(timedOut ? 'FHIR server timed out' : 'FHIR server unreachable');
        }
        await sleep(backoffMs(attempt, policy));
        continue;
      }
      if (!RETRYABLE.has(response.status) && response.status !== 401) {
        // Read the body under the same timeout, so that a server that stalls mid-body is
        // retried like one that never answered.
        let body: ArrayBuffer;
        try {
          body = await response.arrayBuffer();
        } catch {
          opts.hooks?.onRequest?.(0, performance.now() - started);
          if (attempt >= policy.retries)
            throw new FhirUnavailableError('FHIR server stopped answering mid-response');
          await sleep(backoffMs(attempt, policy));
          continue;
        }
        opts.hooks?.onRequest?.(response.status, performance.now() - started);
        // Any other server error: "try again later" for the sender, never a 4xx.
        if (response.status >= 500)
          throw new FhirUnavailableError(`FHIR server answered ${response.status}`, response.status);
        if (response.status >= 400) body = outcomeWithStatusId(body, response.status);
        return new Response(body.byteLength ? body : null, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        });
      }
      opts.hooks?.onRequest?.(response.status, performance.now() - started);
      if (response.status === 401 && opts.tokens && !renewed) {
        // One renewal after a 401: the token may have been revoked or expired early.
        renewed = true;
        await opts.tokens.token(true);
        attempt--;
        continue;
      }
      if (!RETRYABLE.has(response.status)) return response;
      if (attempt >= policy.retries) {
        throw new FhirUnavailableError(`FHIR server answered ${response.status}`, response.status);
      }
      const wait = retryAfterMs(response.headers.get('retry-after'));
      await response.body?.cancel();
      await sleep(Math.min(policy.maxDelayMs * 4, wait ?? backoffMs(attempt, policy)));
    }
  };
}
