/**
 * The Bulk Data client against a scripted server (the embedded one always answers Retry-After: 1):
 * Retry-After in seconds and as an HTTP date, polling without it, X-Progress, the two exports the
 * audit asks for, the token only where the manifest requires it, and failures.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  auditExports,
  exportForAudit,
  kickOffUrl,
  runExport,
  type BulkClientOptions,
} from '../../src/audit/bulk.ts';
import { AuditError } from '../../src/audit/errors.ts';
import { createProgress } from '../../src/audit/progress.ts';
import { tempDir } from './support.ts';

const BASE = 'https://ehr.example/fhir/R4';
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Step = (url: string, init?: RequestInit) => Response;

function scripted(steps: Step[]) {
  const calls: { url: string; method: string; headers: Headers }[] = [];
  const fetchImpl = ((input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    calls.push({ url, method: init?.method ?? 'GET', headers: new Headers(init?.headers) });
    const step = steps.shift();
    if (!step) return Promise.reject(new Error(`unexpected request ${url}`));
    return Promise.resolve(step(url, init));
  }) as typeof fetch;
  return { calls, fetchImpl };
}

function options(
  fetchImpl: typeof fetch,
  sleeps: number[],
  extra: Partial<BulkClientOptions> = {},
): BulkClientOptions {
  return {
    url: BASE,
    fetch: fetchImpl,
    downloadFetch: () => fetchImpl,
    progress: createProgress(false, () => undefined),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    warn: () => undefined,
    ...extra,
  };
}

const accepted = (status: string) => () =>
  new Response(null, { status: 202, headers: { 'content-location': status } });
const manifest =
  (output: { type: string; url: string }[], requiresAccessToken = false) =>
  () =>
    Response.json({
      transactionTime: '2026-10-01T00:00:00Z',
      request: 'x',
      requiresAccessToken,
      output,
      error: [],
    });

describe('Bulk Data client', () => {
  it('honours Retry-After (seconds, then HTTP date), backs off without it, then returns the manifest', async () => {
    const date = new Date(Date.now() + 5_000).toUTCString();
    const { calls, fetchImpl } = scripted([
      accepted(`${BASE}/$export-status/j1`),
      () => new Response(null, { status: 202, headers: { 'retry-after': '7', 'x-progress': '10% done' } }),
      () => new Response(null, { status: 202, headers: { 'retry-after': date } }),
      () => new Response(null, { status: 202 }),
      manifest([{ type: 'Encounter', url: `${BASE}/files/1` }]),
    ]);
    const sleeps: number[] = [];
    const { manifest: m, statusUrl } = await runExport(options(fetchImpl, sleeps), { types: ['Encounter'] });
    expect(statusUrl).toBe(`${BASE}/$export-status/j1`);
    expect(m.output).toHaveLength(1);
    expect(sleeps[0]).toBe(7_000);
    expect(sleeps[1]).toBeGreaterThan(3_000);
    expect(sleeps[1]).toBeLessThanOrEqual(5_000);
    expect(sleeps[2]).toBe(4_000); // third poll without Retry-After: 1 s doubling
    expect(calls[0]?.headers.get('prefer')).toBe('respond-async, handling=lenient');
    expect(calls[0]?.url).toBe(`${BASE}/$export?_outputFormat=application%2Ffhir%2Bndjson&_type=Encounter`);
  });

  it('asks for the event types since the day before the range and the reference types without _since', () => {
    const [events, reference] = auditExports({ since: '2026-07-01', until: '2026-09-30' });
    const a = new URL(kickOffUrl(BASE, events!));
    expect(a.searchParams.get('_type')).toBe('MedicationAdministration,ChargeItem,Claim');
    expect(a.searchParams.get('_since')).toBe('2026-06-30T00:00:00Z');
    const b = new URL(kickOffUrl(`${BASE}/Group/g1/$export`, reference!));
    expect(b.pathname).toBe('/fhir/R4/Group/g1/$export');
    expect(b.searchParams.get('_since')).toBeNull();
    expect(b.searchParams.get('_typeFilter')).toBe(
      'Observation?code=http%3A%2F%2Floinc.org%7C29463-7,ClaimResponse?use=preauthorization',
    );
  });

  it('downloads every file, sends the token only when the manifest requires it, and deletes the export', async () => {
    const line = '{"resourceType":"Encounter","id":"e1"}\n';
    const withToken: boolean[] = [];
    const { calls, fetchImpl } = scripted([
      accepted(`${BASE}/$export-status/a`),
      manifest([{ type: 'MedicationAdministration', url: `${BASE}/f/a1` }], true),
      () => new Response(line),
      () => new Response(null, { status: 202 }),
      accepted(`${BASE}/$export-status/b`),
      manifest([{ type: 'Encounter', url: 'https://files.example/b1?sig=x' }]),
      () => new Response(line),
      () => new Response(null, { status: 202 }),
    ]);
    const dir = tempDir();
    dirs.push(dir);
    const files = await exportForAudit(
      options(fetchImpl, [], {
        downloadFetch: (token) => {
          withToken.push(token);
          return fetchImpl;
        },
      }),
      { since: '2026-07-01', until: '2026-09-30' },
      dir,
    );
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      '0-000.MedicationAdministration.ndjson',
      '1-000.Encounter.ndjson',
    ]);
    expect(readFileSync(join(dir, '1-000.Encounter.ndjson'), 'utf8')).toBe(line);
    expect(withToken).toEqual([true, false]);
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual([
      `${BASE}/$export-status/a`,
      `${BASE}/$export-status/b`,
    ]);
  });

  it('a refused kick-off or a failed export is an error with the server reason', async () => {
    const refused = scripted([
      () =>
        Response.json(
          { resourceType: 'OperationOutcome', issue: [{ diagnostics: 'Too many exports' }] },
          { status: 429 },
        ),
    ]);
    await expect(runExport(options(refused.fetchImpl, []), { types: ['Encounter'] })).rejects.toThrow(
      /refused the bulk export kick-off: 429 \(Too many exports\)/,
    );
    const failedJob = scripted([
      accepted(`${BASE}/$export-status/x`),
      () =>
        Response.json(
          { resourceType: 'OperationOutcome', issue: [{ details: { text: 'disk full' } }] },
          { status: 500 },
        ),
    ]);
    const err = await runExport(options(failedJob.fetchImpl, []), { types: ['Encounter'] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuditError);
    expect((err as AuditError).exitCode).toBe(1);
    expect((err as AuditError).message).toMatch(/status request answered 500 \(disk full\)/);
  });
});
