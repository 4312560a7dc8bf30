/** The real service with the demo data on random ports, with its log captured, for the UI's tests. */
import type { Bundle, DetectedIssue, Resource } from '@medplum/fhirtypes';
import { startVialwise, type Running } from '../../src/bootstrap.ts';
import { loadConfig } from '../../src/config.ts';
import { demoBundles, seedDemo } from '../../src/demo/seed.ts';
import { createLogger } from '../../src/logger.ts';

export interface DemoService {
  readonly running: Running;
  /** Every log line the service wrote, as JSON text. */
  readonly log: string[];
  readonly encounterIds: readonly string[];
}

/**
 * `env` adds to the configuration (e.g. API_TOKEN, so that the demo needs the token too);
 * `clock` fixes "now" (what the service writes, and the day the worklist counts aging to).
 */
export async function startDemoService(
  env: Record<string, string> = {},
  options: { readonly clock?: () => Date } = {},
): Promise<DemoService> {
  const log: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void log.push(line) });
  const config = loadConfig({
    PORT: '0',
    EMBEDDED_FHIR_PORT: '0',
    DEMO_DATA: 'false',
    WEBHOOK_SECRET: 'test-secret-0123456789abcdef',
    ...env,
  });
  const running = await startVialwise(config, logger, {
    delivery: { retryBaseDelayMs: 20, retryMaxDelayMs: 100 },
    retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 50, timeoutMs: 5_000 },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await running.registered;
  const encounterIds = await seedDemo(running.gateway);
  for (const id of encounterIds) await running.service.evaluate(id);
  return { running, log, encounterIds };
}

/** A FHIR request straight to the FHIR server (what the tests check the UI against). */
export async function fhir<T = Resource>(
  running: Running,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${running.fhirBaseUrl}/${path}`, {
    method,
    headers: { 'content-type': 'application/fhir+json', ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export async function search<T extends Resource>(running: Running, query: string): Promise<T[]> {
  const { body } = await fhir<Bundle>(running, 'GET', query);
  return (body.entry ?? []).filter((e) => e.search?.mode !== 'include').map((e) => e.resource as T);
}

/**
 * Open documentation gaps on the FHIR server by code, straight from
 * `DetectedIssue?status=preliminary` (issues of other systems, without a gap code, left out).
 */
export async function openGapsByCode(running: Running): Promise<Record<string, number>> {
  const issues = await search<DetectedIssue>(running, 'DetectedIssue?status=preliminary&_count=1000');
  const out: Record<string, number> = {};
  for (const i of issues) {
    const code = i.code?.coding?.find(
      (c) => c.system === 'https://vialwise.dev/fhir/CodeSystem/documentation-gap',
    )?.code;
    if (code) out[code] = (out[code] ?? 0) + 1;
  }
  return out;
}

/** The demo's patient data (names, MRNs, birth dates) that must never reach the log or a URL. */
export function demoPatientData(): string[] {
  const out = new Set<string>();
  for (const { bundle } of demoBundles()) {
    for (const e of bundle.entry ?? []) {
      const r = e.resource;
      if (r?.resourceType !== 'Patient') continue;
      for (const n of r.name ?? []) {
        if (n.text) out.add(n.text);
        if (n.family) out.add(n.family);
      }
      for (const id of r.identifier ?? []) if (id.value) out.add(id.value);
      if (r.birthDate) out.add(r.birthDate);
    }
  }
  return [...out];
}

export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
