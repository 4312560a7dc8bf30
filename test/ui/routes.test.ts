/**
 * The UI's HTTP side over the real service and the embedded FHIR server with the demo data: the
 * page and its modules, the JSON the pages are built from (checked against the FHIR server), the
 * acknowledgement write with If-Match, the worklist CSV, errors as OperationOutcome in the UI's
 * own words, and no patient data in logs. Bulk actions and assignment: routes-actions.test.ts.
 */
import type { Claim, DetectedIssue, OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dashboard, EncounterView, WorklistPage as Worklist } from '../../src/ui/contract.ts';
import {
  demoPatientData,
  fhir,
  openGapsByCode,
  search,
  startDemoService,
  type DemoService,
} from './support.ts';

let demo: DemoService;
let base: string;

/** The day the worklist counts aging to (the demo's dates of service are in November 2026). */
const NOW = new Date('2026-12-01T15:00:00Z');

beforeAll(async () => {
  demo = await startDemoService({}, { clock: () => NOW });
  base = demo.running.serviceUrl;
});

afterAll(async () => {
  await demo?.running.stop();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(base + path, { headers });
  const text = await res.text();
  return { res, text, json: () => JSON.parse(text) as unknown };
}

async function acknowledge(id: string, body: unknown, contentType = 'application/json') {
  const res = await fetch(`${base}/api/ui/gaps/${id}/acknowledge`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: (await res.json()) as unknown,
  };
}

async function openIssue(code: string): Promise<DetectedIssue> {
  const [issue] = await search<DetectedIssue>(demo.running, `DetectedIssue?status=preliminary&code=${code}`);
  if (!issue) throw new Error(`no open ${code}`);
  return issue;
}

describe('the page', () => {
  it('serves the page and its modules from the service only, under a strict CSP', async () => {
    const page = await get('/');
    expect(page.res.status).toBe(200);
    expect(page.res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.text).toContain('<main id="main"');
    // Every asset the page links is local.
    for (const [, url] of page.text.matchAll(/(?:src|href)="([^"#]+)"/g)) expect(url).toMatch(/^\/ui\//);
    const js = await get('/ui/app.js');
    expect(js.res.status).toBe(200);
    expect(js.res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await get('/ui/styles.css')).res.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('serves nothing else from the folder (no configuration, no traversal)', async () => {
    for (const path of [
      '/ui/tsconfig.json',
      '/ui/missing.js',
      '/ui/..%2Froutes.ts',
      '/ui/%2e%2e%2fdata.ts',
    ]) {
      const r = await get(path);
      expect(r.res.status, path).toBe(404);
      expect((r.json() as OperationOutcome).resourceType).toBe('OperationOutcome');
    }
  });
});

describe('worklist API', () => {
  it('lists every open gap on the FHIR server, with the administration and revenue at risk', async () => {
    const r = await get('/api/ui/worklist');
    expect(r.res.status).toBe(200);
    expect(r.res.headers.get('cache-control')).toBe('no-store');
    const w = r.json() as Worklist;
    const open = await openGapsByCode(demo.running);
    const byCode: Record<string, number> = {};
    for (const row of w.rows) byCode[row.code] = (byCode[row.code] ?? 0) + 1;
    expect(byCode).toEqual(open);
    expect(w.total).toBe(Object.values(open).reduce((a, b) => a + b, 0));
    // CMS payment limits (2026Q1, the latest loaded): nothing to label illustrative.
    expect(w.priceNote).toBeUndefined();
    const md = w.rows.find((x) => x.code === 'missing-diagnosis');
    expect(md).toMatchObject({
      queue: 'clinical-documentation',
      encounter: { id: 'demo-enc-05' },
      // demo/encounters/05-*.json: the Patient's MRN and the Medicare payer of its Coverage.
      patient: { id: 'demo-pat-05', name: 'Demo Patient-NoDiagnosis', mrn: 'DEMO-MRN-0005' },
      payer: 'Medicare Part B (demo payer, synthetic)',
      revenueAtRisk: 2.11,
      dateOfService: '2026-11-10',
      agingDays: 21,
    });
    expect(w).toMatchObject({ asOf: '2026-12-01', page: 1, pages: 1, matched: w.total });
    // Self-pay: no payer; its gap is registration's.
    expect(w.rows.find((x) => x.code === 'no-coverage')).toMatchObject({ queue: 'registration-coverage' });
    expect(w.rows.find((x) => x.code === 'no-coverage')?.payer).toBeUndefined();
    expect(md?.administrations[0]).toMatchObject({
      id: 'demo-ma-05-a',
      dose: '40 mg',
      route: 'IV push',
      time: '2026-11-10 21:30',
    });
    expect(md?.administrations[0]?.drug).toMatch(/Methylprednisolone sodium succinate/);
  });

  it('filters by ids and codes in the query string', async () => {
    const w = (await get('/api/ui/worklist?patient=demo-pat-11&severity=low')).json() as Worklist;
    expect(w.rows.map((x) => x.code)).toEqual(['missing-performer']);
    const none = (await get('/api/ui/worklist?from=2030-01-01')).json() as Worklist;
    expect(none.rows).toEqual([]);
    expect(none.options.codes.length).toBeGreaterThan(0);
  });

  it('answers a bad filter with a 400 OperationOutcome naming it', async () => {
    const r = await get('/api/ui/worklist?from=yesterday');
    expect(r.res.status).toBe(400);
    expect(r.res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const o = r.json() as OperationOutcome;
    expect(o.issue[0]?.details?.text).toMatch(/^from /);
    const reversed = await get('/api/ui/worklist?from=2026-11-30&to=2026-11-01');
    expect(reversed.res.status).toBe(400);
    expect((reversed.json() as OperationOutcome).issue[0]?.details?.text).toMatch(/reversed/);
    for (const q of ['queue=billing', 'sort=name', 'page=0', 'pageSize=7', 'patient=..'])
      expect((await get(`/api/ui/worklist?${q}`)).res.status, q).toBe(400);
  });

  it('routes each gap to its queue and counts the queues', async () => {
    const all = (await get('/api/ui/worklist')).json() as Worklist;
    const charges = (await get('/api/ui/worklist?queue=charge-correction')).json() as Worklist;
    // demo/README.md: the charge reviewer's gaps are the wrong posted code (08) and the missing JW line (09).
    expect(charges.rows.map((r) => r.code).sort()).toEqual([
      'charge-code-mismatch',
      'charge-modifier-missing',
    ]);
    expect(charges.total).toBe(all.total);
    expect(Object.fromEntries(all.queues.map((q) => [q.id, q.open]))).toEqual({
      'clinical-documentation': all.total - 3,
      'charge-correction': 2,
      'registration-coverage': 1,
    });
    expect(charges.queues).toEqual(all.queues);
  });

  it('sorts by a column and cuts pages', async () => {
    const w = (await get('/api/ui/worklist?sort=aging&dir=desc&pageSize=25')).json() as Worklist;
    const aging = w.rows.map((r) => r.agingDays ?? -1);
    expect(aging).toEqual([...aging].sort((a, b) => b - a));
    expect(w.sort).toEqual({ key: 'aging', dir: 'desc' });
    expect(w.pageSize).toBe(25);
    const byPatient = (await get('/api/ui/worklist?sort=patient')).json() as Worklist;
    const names = byPatient.rows.map((r) => r.patient?.name ?? '');
    expect(names).toEqual(
      [...names].sort((a, b) => a.toLocaleLowerCase().localeCompare(b.toLocaleLowerCase())),
    );
  });

  it('exports the filtered list as CSV, with MRNs, guarded, never cached', async () => {
    const r = await get('/api/ui/worklist.csv?queue=charge-correction');
    expect(r.res.status).toBe(200);
    expect(r.res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(r.res.headers.get('cache-control')).toBe('no-store');
    expect(r.res.headers.get('content-disposition')).toBe(
      'attachment; filename="vialwise-worklist-charge-correction-2026-12-01.csv"',
    );
    const lines = r.text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^gap_id,queue,severity,gap_code,gap,what_to_document,patient,mrn,account,payer,/,
    );
    expect(r.text).toContain('DEMO-MRN-0008');
    expect(r.text).toContain('charge-code-mismatch');
    expect(r.text).not.toContain('missing-diagnosis');
  });
});

describe('acknowledging a gap', () => {
  it('writes the mitigation on the DetectedIssue with If-Match on the version seen', async () => {
    const before = await openIssue('missing-route');
    const r = await acknowledge(before.id ?? '', {
      version: before.meta?.versionId,
      author: { reference: 'Practitioner/demo-rn-alpha' },
      note: 'Route was IV push; charting it now',
    });
    expect(r.status).toBe(200);
    const after = (await fhir<DetectedIssue>(demo.running, 'GET', `DetectedIssue/${before.id ?? ''}`)).body;
    expect(after.meta?.versionId).not.toBe(before.meta?.versionId);
    expect(after.status).toBe('preliminary');
    expect(after.mitigation).toEqual([
      {
        action: {
          coding: [
            {
              system: 'https://vialwise.dev/fhir/CodeSystem/gap-mitigation',
              code: 'acknowledged',
              display: 'Acknowledged by a clinician',
            },
          ],
          text: 'Route was IV push; charting it now',
        },
        date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) as string,
        // The display comes from the Practitioner on the FHIR server.
        author: { reference: 'Practitioner/demo-rn-alpha', display: 'Demo Nurse-Alpha, RN (synthetic)' },
      },
    ]);
    expect(r.body).toMatchObject({
      id: before.id,
      version: after.meta?.versionId,
      acknowledgements: [
        { author: 'Demo Nurse-Alpha, RN (synthetic)', note: 'Route was IV push; charting it now' },
      ],
    });

    // The same page submitting again with the old version: someone wrote since, nothing is written.
    const stale = await acknowledge(before.id ?? '', {
      version: before.meta?.versionId,
      author: { display: 'Dr Late' },
      note: 'again',
    });
    expect(stale.status).toBe(412);
    expect(stale.type).toMatch(/^application\/fhir\+json/);
    const still = (await fhir<DetectedIssue>(demo.running, 'GET', `DetectedIssue/${before.id ?? ''}`)).body;
    expect(still.meta?.versionId).toBe(after.meta?.versionId);
    expect(still.mitigation).toHaveLength(1);

    // A re-evaluation keeps the acknowledgement while the gap is open.
    await demo.running.service.evaluate('demo-enc-11');
    const kept = (await fhir<DetectedIssue>(demo.running, 'GET', `DetectedIssue/${before.id ?? ''}`)).body;
    expect(kept.mitigation).toEqual(still.mitigation);
  });

  it('refuses what it cannot record, as OperationOutcomes', async () => {
    const issue = await openIssue('missing-performer');
    const version = issue.meta?.versionId;
    const id = issue.id ?? '';
    expect(
      (await acknowledge(id, { version, author: { display: 'A' }, note: 'x' }, 'text/plain')).status,
    ).toBe(415);
    expect((await acknowledge(id, { version, author: { display: 'A' }, note: '' })).status).toBe(400);
    expect(
      (await acknowledge(id, { version, author: { reference: 'Practitioner/nobody' }, note: 'x' })).status,
    ).toBe(400);
    expect(
      (await acknowledge(id, { version, author: { reference: 'Patient/demo-pat-11' }, note: 'x' })).status,
    ).toBe(400);
    expect(
      (await acknowledge('no-such-issue', { version, author: { display: 'A' }, note: 'x' })).status,
    ).toBe(404);
    expect((await acknowledge('bad%20id', { version, author: { display: 'A' }, note: 'x' })).status).toBe(
      400,
    );
    const long = await acknowledge(id, { version, author: { display: 'A' }, note: 'x'.repeat(70_000) });
    expect(long.status).toBe(413);
    expect((long.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    // Nothing of the above was written.
    expect((await fhir<DetectedIssue>(demo.running, 'GET', `DetectedIssue/${id}`)).body.meta?.versionId).toBe(
      version,
    );
  });

  it('does not touch closed gaps or DetectedIssues vialwise did not write', async () => {
    const closed = await fhir<DetectedIssue>(demo.running, 'POST', 'DetectedIssue', {
      resourceType: 'DetectedIssue',
      identifier: [
        { system: 'https://vialwise.dev/fhir/sid/documentation-gap', value: 'demo-enc-01:missing-route:x' },
      ],
      status: 'final',
      code: { coding: [{ code: 'missing-route' }] },
    });
    const foreign = await fhir<DetectedIssue>(demo.running, 'POST', 'DetectedIssue', {
      resourceType: 'DetectedIssue',
      status: 'preliminary',
    });
    const body = (r: DetectedIssue) => ({ version: r.meta?.versionId, author: { display: 'A' }, note: 'x' });
    expect((await acknowledge(closed.body.id ?? '', body(closed.body))).status).toBe(409);
    expect((await acknowledge(foreign.body.id ?? '', body(foreign.body))).status).toBe(404);
    const w = (await get('/api/ui/worklist')).json() as Worklist;
    expect(w.rows.map((r) => r.id)).not.toContain(foreign.body.id);
  });
});

describe('encounter API', () => {
  it('shows derived lines, the Claim draft, posted charges and gaps of one Encounter', async () => {
    const r = await get('/api/ui/encounters/demo-enc-09');
    expect(r.res.status).toBe(200);
    const v = r.json() as EncounterView;
    expect(v.derivedLines.map((l) => `${[l.code, ...l.modifiers].join('-')} x${l.units}`)).toEqual([
      'J1745 x35',
      'J1745-JW x5',
    ]);
    expect(v.claim?.lines.map((l) => `${[l.code, ...l.modifiers].join('-')} x${l.units}`)).toEqual([
      'J1745 x35',
      'J1745-JW x5',
    ]);
    expect(v.charges.map((c) => `${c.code ?? ''} x${c.units ?? 0}`)).toEqual(['J1745 x35']);
    expect(v.gaps.map((g) => [g.code, g.state])).toEqual([['charge-modifier-missing', 'open']]);
    expect(v.inSync).toBe(true);
    expect(v.pricesIllustrative).toBe(false);
  });

  it('answers unknown and malformed ids with OperationOutcomes that say so in words', async () => {
    const missing = await get('/api/ui/encounters/no-such-encounter');
    expect(missing.res.status).toBe(404);
    expect(missing.json()).toMatchObject({
      id: 'encounter-not-found',
      issue: [{ code: 'not-found', details: { text: 'Encounter not found' } }],
    });
    expect((await get('/api/ui/encounters/bad%20id')).res.status).toBe(400);
    expect((await get('/api/ui/encounters/...')).res.status).toBe(400);
  });
});

describe('dashboard API', () => {
  it('matches the FHIR server: claims, open gaps by code, lines, units and JW', async () => {
    const d = (await get('/api/ui/dashboard')).json() as Dashboard;
    const claims = await search<Claim>(
      demo.running,
      `Claim?identifier=${encodeURIComponent('https://vialwise.dev/fhir/sid/claim-draft|')}&_count=1000`,
    );
    expect(d.claimsDrafted).toBe(claims.length);
    const open = await openGapsByCode(demo.running);
    expect(Object.fromEntries(d.atRiskByCode.map((g) => [g.code, g.open]))).toEqual(open);
    // demo/README.md: 16 lines and 376 units, of which demo-enc-12 (J2919 x25) has no Claim (no coverage);
    // JW: J2919 x9 and J1745 x5 at the 2026Q1 limits $0.264 and $32.423 (asp-pricing-2026q1.csv).
    // JW captured is revenue: each JW line's units x the CMS limit, to the cent per line, not the
    // Claim's charge (the hospital's gross charge when CHARGEMASTER_FILE is set):
    // 0.264 x 9 = 2.376 -> 2.38 and 32.423 x 5 = 162.115 -> 162.12.
    expect(d).toMatchObject({
      lines: 15,
      units: 351,
      jwUnits: 14,
      jwValue: 164.5,
      pricesIllustrative: false,
    });
    // Revenue at risk is the sum of the open issues' revenue-at-risk extensions on the server.
    const issues = await search<DetectedIssue>(demo.running, 'DetectedIssue?status=preliminary&_count=1000');
    const risk = issues.reduce(
      (sum, i) =>
        sum +
        (i.extension?.find((e) => e.url === 'https://vialwise.dev/fhir/StructureDefinition/revenue-at-risk')
          ?.valueMoney?.value ?? 0),
      0,
    );
    expect(risk).toBeGreaterThan(300);
    expect(d.atRisk).toBeCloseTo(risk, 2);
  });

  it('downloads the same figures as CSV, CMS-priced (not labelled illustrative), without patient data', async () => {
    const r = await get('/api/ui/dashboard.csv?from=2026-11-01&to=2026-11-30');
    expect(r.res.status).toBe(200);
    expect(r.res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(r.res.headers.get('content-disposition')).toBe(
      'attachment; filename="vialwise-dashboard-2026-11-01-to-2026-11-30.csv"',
    );
    // The prices column names the basis: the demo's dates of service are in 2026Q4, whose limits
    // are not loaded, so 2026Q1's (asp-pricing-2026q1.csv, the latest loaded) stand in.
    expect(r.text).toContain(
      'summary,jw_captured,,,2,14,164.5,CMS 2026Q1 payment limit for 2026Q4 dates; estimate; earlier quarter\r\n',
    );
    expect(r.text).not.toContain('ILLUSTRATIVE');
    for (const s of demoPatientData()) expect(r.text).not.toContain(s);
    expect((await get('/api/ui/dashboard.csv?to=nope')).res.status).toBe(400);
  });

  it('charts the same gaps and lines it counts, by date of service', async () => {
    const d = (await get('/api/ui/dashboard?from=2026-11-10&to=2026-11-17')).json() as Dashboard;
    const sum = (k: 'open' | 'closed' | 'lines') => d.series.points.reduce((n, p) => n + p[k], 0);
    expect(d.openGaps).toBeGreaterThan(0);
    expect(sum('open')).toBe(d.openGaps);
    expect(sum('closed')).toBe(d.gapsClosed);
    expect(sum('lines')).toBe(d.lines);
    expect(d.series.points[0]?.date).toBe('2026-11-10');
    expect(d.series.points.at(-1)?.date).toBe('2026-11-17');
  });
});

describe('logs', () => {
  it('never carry patient data, notes or query strings', () => {
    const text = demo.log.join('');
    expect(text).toContain('"route":"/api/ui/worklist"');
    expect(text).toContain('"event":"gap-acknowledged"');
    for (const s of [...demoPatientData(), 'Route was IV push', 'Dr Late', 'demo-pat-11', 'severity=low'])
      expect(text, s).not.toContain(s);
  });
});
