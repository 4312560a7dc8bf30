/**
 * The Bulk Data client against a scripted server (the embedded one always answers Retry-After: 1
 * and needs no token): Retry-After in seconds and as an HTTP date, polling without it, the two
 * exports the audit asks for, the access token only to the FHIR server's origin and never over
 * http (issue 12: the token went wherever the export's URLs pointed), downloads in parallel up to a
 * bound, resuming an interrupted export, and failures.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  auditExports,
  bounded,
  exportForAudit,
  kickOffUrl,
  runExport,
  type BulkClientOptions,
} from '../../src/audit/sources/bulk.ts';
import { AuditError } from '../../src/audit/errors.ts';
import { createProgress } from '../../src/audit/progress.ts';
import { tempDir } from './support.ts';

const BASE = 'https://ehr.example/fhir/R4';
const RANGE = { since: '2026-01-01', until: '2026-03-31' };
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Step = (url: string, init?: RequestInit) => Response | Promise<Response>;
interface Call {
  readonly url: string;
  readonly method: string;
  readonly auth: string | null;
}

/** A fetch answering by URL: each route's steps in turn (the last one repeats). */
function server(routes: Record<string, Step[]>) {
  const calls: Call[] = [];
  const fetchImpl = ((input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    calls.push({ url, method: init?.method ?? 'GET', auth: new Headers(init?.headers).get('authorization') });
    const key = Object.keys(routes).find((k) => url === k || url.startsWith(`${k}?`));
    const steps = key ? routes[key] : undefined;
    const step = steps && (steps.length > 1 ? steps.shift() : steps[0]);
    if (!step) return Promise.reject(new Error(`unexpected request ${url}`));
    return Promise.resolve(step(url, init));
  }) as typeof fetch;
  return { calls, fetchImpl };
}

function options(fetchImpl: typeof fetch, extra: Partial<BulkClientOptions> = {}): BulkClientOptions {
  return {
    url: BASE,
    fetch: fetchImpl,
    download: fetchImpl,
    token: (force) => Promise.resolve(force ? 'renewed-token' : 'secret-token'),
    progress: createProgress(false, () => undefined),
    sleep: () => Promise.resolve(),
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
      transactionTime: '2026-04-01T00:00:00Z',
      request: 'x',
      requiresAccessToken,
      output,
      error: [],
    });
const gone = () => new Response(null, { status: 202 });
const ndjson = (line: string) => () => new Response(`${line}\n`);

describe('Bulk Data client', () => {
  it('honours Retry-After (seconds, then HTTP date), backs off without it, then returns the manifest', async () => {
    const date = new Date(Date.now() + 5_000).toUTCString();
    const sleeps: number[] = [];
    const { calls, fetchImpl } = server({
      [`${BASE}/$export`]: [accepted(`${BASE}/$export-status/j1`)],
      [`${BASE}/$export-status/j1`]: [
        () => new Response(null, { status: 202, headers: { 'retry-after': '7', 'x-progress': '10% done' } }),
        () => new Response(null, { status: 202, headers: { 'retry-after': date } }),
        () => new Response(null, { status: 202 }),
        manifest([{ type: 'Encounter', url: `${BASE}/files/1` }]),
      ],
    });
    const { manifest: m, statusUrl } = await runExport(
      options(fetchImpl, { sleep: (ms) => (sleeps.push(ms), Promise.resolve()) }),
      { types: ['Encounter'] },
    );
    expect(statusUrl).toBe(`${BASE}/$export-status/j1`);
    expect(m.output).toHaveLength(1);
    expect(sleeps[0]).toBe(7_000);
    expect(sleeps[1]).toBeGreaterThan(3_000);
    expect(sleeps[1]).toBeLessThanOrEqual(5_000);
    expect(sleeps[2]).toBe(4_000); // third poll without Retry-After: 1 s doubling
    expect(calls[0]?.url).toBe(`${BASE}/$export?_outputFormat=application%2Ffhir%2Bndjson&_type=Encounter`);
    expect(calls.every((c) => c.auth === 'Bearer secret-token')).toBe(true);
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

  it('downloads every file, sends the token only when the manifest requires it and only to the server, and deletes the export', async () => {
    const line = '{"resourceType":"Encounter","id":"e1"}';
    const { calls, fetchImpl } = server({
      [`${BASE}/$export`]: [accepted(`${BASE}/$export-status/a`), accepted(`${BASE}/$export-status/b`)],
      [`${BASE}/$export-status/a`]: [
        manifest([{ type: 'MedicationAdministration', url: `${BASE}/f/a1` }], true),
        gone,
      ],
      [`${BASE}/$export-status/b`]: [
        manifest([{ type: 'Encounter', url: 'https://files.example/b1?sig=x' }]),
        gone,
      ],
      [`${BASE}/f/a1`]: [ndjson(line)],
      'https://files.example/b1': [ndjson(line)],
    });
    const dir = tempDir();
    dirs.push(dir);
    const files = await exportForAudit(options(fetchImpl), RANGE, dir);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      '0-000.MedicationAdministration.ndjson',
      '1-000.Encounter.ndjson',
    ]);
    expect(readFileSync(join(dir, '1-000.Encounter.ndjson'), 'utf8')).toBe(`${line}\n`);
    const auth = (url: string) => calls.find((c) => c.url === url)?.auth;
    expect(auth(`${BASE}/f/a1`)).toBe('Bearer secret-token');
    // A pre-signed file on a storage origin gets no token.
    expect(auth('https://files.example/b1?sig=x')).toBeNull();
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual([
      `${BASE}/$export-status/a`,
      `${BASE}/$export-status/b`,
    ]);
  });

  it.each([
    [
      'a status URL on another origin',
      { status: 'https://evil.example/status/1' },
      /status URL is on another origin \(https:\/\/evil\.example\)/,
    ],
    [
      'a status URL over http',
      { status: 'http://ehr.example/fhir/R4/$export-status/1' },
      /on http while the FHIR server is on https/,
    ],
    [
      'a file that needs the token on another origin',
      { file: 'https://evil.example/f/1', token: true },
      /another origin \(https:\/\/evil\.example\) and needs the access token/,
    ],
    [
      'a file over http',
      { file: 'http://files.example/f/1', token: false },
      /on http while the FHIR server is on https/,
    ],
  ])(
    'refuses %s, and the token never leaves the server',
    async (_what, bad: { status?: string; file?: string; token?: boolean }, message) => {
      const status = bad.status ?? `${BASE}/$export-status/ok`;
      const { calls, fetchImpl } = server({
        [`${BASE}/$export`]: [accepted(status)],
        [status]: [manifest([{ type: 'Encounter', url: bad.file ?? `${BASE}/f/1` }], bad.token ?? false)],
        [bad.file ?? `${BASE}/f/1`]: [ndjson('{}')],
      });
      const dir = tempDir();
      dirs.push(dir);
      const err = await exportForAudit(options(fetchImpl), RANGE, dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuditError);
      expect((err as AuditError).message).toMatch(message);
      const foreign = calls.filter((c) => !c.url.startsWith(`${BASE}/`));
      expect(foreign.every((c) => c.auth === null)).toBe(true);
      expect(calls.some((c) => c.url.startsWith('http://'))).toBe(false);
    },
  );

  it('follows a redirect to another origin without the token', async () => {
    const { calls, fetchImpl } = server({
      [`${BASE}/$export`]: [accepted(`${BASE}/$export-status/r`), accepted(`${BASE}/$export-status/r2`)],
      [`${BASE}/$export-status/r`]: [manifest([{ type: 'Encounter', url: `${BASE}/f/r1` }], true), gone],
      [`${BASE}/$export-status/r2`]: [manifest([]), gone],
      [`${BASE}/f/r1`]: [
        () => new Response(null, { status: 307, headers: { location: 'https://blob.example/r1?sig=y' } }),
      ],
      'https://blob.example/r1': [ndjson('{"resourceType":"Encounter","id":"r"}')],
    });
    const dir = tempDir();
    dirs.push(dir);
    // The first export's file redirects to a signed storage URL; the second export has no output.
    await exportForAudit(options(fetchImpl), { since: '2026-01-01', until: '2026-01-31' }, dir);
    expect(calls.find((c) => c.url === `${BASE}/f/r1`)?.auth).toBe('Bearer secret-token');
    expect(calls.find((c) => c.url.startsWith('https://blob.example/'))?.auth).toBeNull();
    expect(existsSync(join(dir, '0-000.Encounter.ndjson'))).toBe(true);
  });

  it('downloads several files at once, never more than the bound', async () => {
    let inFlight = 0;
    let most = 0;
    const slow: Step = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 15));
      inFlight--;
      return new Response('{"resourceType":"ChargeItem","id":"c"}\n');
    };
    const outputs = Array.from({ length: 9 }, (_, i) => ({ type: 'ChargeItem', url: `${BASE}/f/${i}` }));
    const routes: Record<string, Step[]> = {
      [`${BASE}/$export`]: [accepted(`${BASE}/$export-status/p`), accepted(`${BASE}/$export-status/q`)],
      [`${BASE}/$export-status/p`]: [manifest(outputs), gone],
      [`${BASE}/$export-status/q`]: [manifest([]), gone],
    };
    for (const o of outputs) routes[o.url] = [slow];
    const dir = tempDir();
    dirs.push(dir);
    const files = await exportForAudit(options(server(routes).fetchImpl, { downloads: 3 }), RANGE, dir);
    expect(files).toHaveLength(9);
    expect(most).toBe(3);
    expect(
      await bounded(
        [1, 2, 3].map((n) => () => Promise.resolve(n * 2)),
        2,
      ),
    ).toEqual([2, 4, 6]);
  });

  it('resumes an interrupted export: polls the recorded status URL, downloads only the missing files', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const outputs = [0, 1, 2].map((i) => ({ type: 'Claim', url: `${BASE}/f/${i}` }));
    let cut = true;
    const first = server({
      [`${BASE}/$export`]: [accepted(`${BASE}/$export-status/s`)],
      [`${BASE}/$export-status/s`]: [manifest(outputs)],
      [`${BASE}/f/0`]: [ndjson('{"resourceType":"Claim","id":"0"}')],
      [`${BASE}/f/1`]: [ndjson('{"resourceType":"Claim","id":"1"}')],
      // The machine stops while the third file downloads.
      [`${BASE}/f/2`]: [() => (cut ? Promise.reject(new Error('stopped')) : new Response('x\n'))],
    });
    const interrupted = await exportForAudit(options(first.fetchImpl, { downloads: 1 }), RANGE, dir).catch(
      (e: unknown) => e,
    );
    expect(interrupted).toBeInstanceOf(Error);
    cut = false;
    const second = server({
      [`${BASE}/$export-status/s`]: [manifest(outputs), gone],
      [`${BASE}/f/2`]: [ndjson('{"resourceType":"Claim","id":"2"}')],
      [`${BASE}/$export`]: [accepted(`${BASE}/$export-status/t`)],
      [`${BASE}/$export-status/t`]: [manifest([]), gone],
    });
    const files = await exportForAudit(options(second.fetchImpl, { downloads: 1 }), RANGE, dir);
    expect(files).toHaveLength(3);
    // No second kick-off of the first export, and files 0 and 1 were not fetched again.
    const urls = second.calls.map((c) => `${c.method} ${c.url}`);
    expect(urls).not.toContain(`GET ${BASE}/f/0`);
    expect(urls).not.toContain(`GET ${BASE}/f/1`);
    expect(urls.filter((u) => u.startsWith(`GET ${BASE}/$export?`))).toHaveLength(1);
    expect(readFileSync(join(dir, '0-002.Claim.ndjson'), 'utf8')).toContain('"id":"2"');
  });

  it('a refused kick-off or a failed export is an error with the server reason', async () => {
    const refused = server({
      [`${BASE}/$export`]: [
        () =>
          Response.json(
            { resourceType: 'OperationOutcome', issue: [{ diagnostics: 'Too many exports' }] },
            { status: 429 },
          ),
      ],
    });
    await expect(runExport(options(refused.fetchImpl), { types: ['Encounter'] })).rejects.toThrow(
      /refused the bulk export kick-off: 429 \(Too many exports\)/,
    );
    const failedJob = server({
      [`${BASE}/$export`]: [accepted(`${BASE}/$export-status/x`)],
      [`${BASE}/$export-status/x`]: [
        () =>
          Response.json(
            { resourceType: 'OperationOutcome', issue: [{ details: { text: 'disk full' } }] },
            { status: 500 },
          ),
      ],
    });
    const err = await runExport(options(failedJob.fetchImpl), { types: ['Encounter'] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AuditError);
    expect((err as AuditError).exitCode).toBe(1);
    expect((err as AuditError).message).toMatch(/status request answered 500 \(disk full\)/);
  });
});
