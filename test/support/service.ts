/** Starts the real service against the embedded FHIR server on random ports, for integration tests. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { startVialwise, type Running, type StartOptions } from '../../src/bootstrap.ts';
import type { InProcessHandler } from '../../src/fhir/in-process-gateway.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';

/**
 * The API token of test services that work against another FHIR server (FHIR_BASE_URL): outside
 * embedded mode `/api/*` answers only `Authorization: Bearer <API_TOKEN>` (403 without API_TOKEN).
 */
export const TEST_API_TOKEN = 'test-api-token-0123456789abcdef';
export const apiAuthorization = (token: string = TEST_API_TOKEN): Record<string, string> => ({
  authorization: `Bearer ${token}`,
});

/** In-process FHIR servers by base URL: `fhir()` below calls their handler instead of the network. */
const inProcess = new Map<string, InProcessHandler>();

/**
 * The service on port 0 against the embedded FHIR server, which runs in process (no socket) unless
 * `opts.inProcessFhir` is false or FHIR_BASE_URL names another server. Subscription notifications
 * still reach the service over HTTP.
 */
export async function startTestService(
  env: Record<string, string> = {},
  opts: StartOptions = {},
): Promise<Running> {
  const config = loadConfig({
    PORT: '0',
    EMBEDDED_FHIR_PORT: '0',
    DEMO_DATA: 'false',
    LOG_LEVEL: 'silent',
    WEBHOOK_SECRET: 'test-secret-0123456789abcdef',
    ...(env.FHIR_BASE_URL ? { API_TOKEN: TEST_API_TOKEN } : {}),
    ...env,
  });
  const running = await startVialwise(config, silentLogger, {
    delivery: { retryBaseDelayMs: 20, retryMaxDelayMs: 100 },
    retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 50, timeoutMs: 5_000 },
    // Tests send empty notifications back to back and expect each to sweep; trust.test.ts tests the limit.
    sweepMinIntervalMs: 0,
    inProcessFhir: !env.FHIR_BASE_URL,
    ...opts,
  });
  await running.registered;
  const handle = running.embedded?.handle;
  if (handle) inProcess.set(running.fhirBaseUrl, handle);
  return running;
}

/** A golden-case Bundle turned into a transaction of PUTs, so it can be loaded onto a server. */
export function goldenAsTransaction(name: string): Bundle {
  const b = JSON.parse(
    readFileSync(new URL(`../golden/cases/${name}.bundle.json`, import.meta.url), 'utf8'),
  ) as Bundle;
  return asTransaction((b.entry ?? []).map((e) => e.resource as Resource));
}

export function asTransaction(resources: Resource[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((r) => ({
      resource: r,
      request: { method: 'PUT', url: `${r.resourceType}/${r.id ?? ''}` },
    })),
  };
}

export async function fhir<T = Resource>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const handle = inProcess.get(base);
  if (handle) {
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const out = await handle({
      method,
      url: '/' + path.replace(/^\/+/, ''),
      headers: lower,
      ...(body !== undefined ? { body: JSON.parse(JSON.stringify(body)) as unknown } : {}),
      baseUrl: base,
    });
    return {
      status: out.status,
      body: (out.body === undefined ? undefined : JSON.parse(JSON.stringify(out.body))) as T,
      headers: new Headers(out.headers),
    };
  }
  const res = await fetch(`${base}/${path}`, {
    method,
    headers: { 'content-type': 'application/fhir+json', ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, headers: res.headers };
}

export async function searchResources<T extends Resource>(base: string, query: string): Promise<T[]> {
  const { body } = await fhir<Bundle>(base, 'GET', query);
  return (body.entry ?? []).map((e) => e.resource as T);
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A port that was free a moment ago, for servers a test must start on a known port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
