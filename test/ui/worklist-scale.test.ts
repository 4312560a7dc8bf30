/**
 * The worklist, its CSV and the dashboard with 2,000 open gaps seeded in the embedded FHIR server
 * (on top of the demo): everything is read in bounded pages and chunks (no `_include` that grows
 * with the list), the page shows the first 50 and pages on, the CSV holds every gap. The load
 * times are printed as figures (with the raw FHIR search of the open gaps as a baseline), never
 * asserted.
 */
import type { Bundle, BundleEntry, Resource, Subscription } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GAP_CODE_LIST, GAPS } from '../../src/domain/gaps.ts';
import { searchAll } from '../../src/fhir/gateway.ts';
import type { Dashboard, WorklistPage } from '../../src/ui/contract.ts';
import { hasChromium, horizontalOverflow, sharedChromium, VIEWPORTS } from './browser-support.ts';
import { fhir, search, startDemoService, type DemoService } from './support.ts';

const NOW = new Date('2026-12-01T15:00:00Z');
const PATIENTS = 500;
const GAPS_PER_PATIENT = 4;
const SEEDED = PATIENTS * GAPS_PER_PATIENT;
const V2 = 'http://terminology.hl7.org/CodeSystem/v2-0203';

function day(n: number): string {
  return new Date(Date.parse('2026-09-01T00:00:00Z') + n * 86_400_000).toISOString().slice(0, 10);
}

/** 500 patients with an encounter and Medicare coverage each, 4 administrations and 4 open gaps per encounter. */
function scaleResources(): Resource[] {
  const out: Resource[] = [];
  for (let p = 0; p < PATIENTS; p++) {
    const dos = day(p % 90);
    out.push(
      {
        resourceType: 'Patient',
        id: `scale-pat-${p}`,
        identifier: [
          { type: { coding: [{ system: V2, code: 'MR' }] }, system: 'urn:scale:mrn', value: `SC-${p}` },
        ],
        name: [{ use: 'official', text: `Scale Patient-${String(p).padStart(3, '0')}` }],
      },
      {
        resourceType: 'Encounter',
        id: `scale-enc-${p}`,
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
        identifier: [
          { type: { coding: [{ system: V2, code: 'VN' }] }, system: 'urn:scale:csn', value: `CSN-${p}` },
        ],
        subject: { reference: `Patient/scale-pat-${p}` },
        period: { start: `${dos}T08:00:00-05:00`, end: `${dos}T12:00:00-05:00` },
      },
      {
        resourceType: 'Coverage',
        id: `scale-cov-${p}`,
        status: 'active',
        beneficiary: { reference: `Patient/scale-pat-${p}` },
        payor: [{ reference: 'Organization/demo-payer-medicare' }],
        period: { start: '2026-01-01', end: '2026-12-31' },
      },
    );
    for (let k = 0; k < GAPS_PER_PATIENT; k++) {
      const ma = `scale-ma-${p}-${k}`;
      const code = GAP_CODE_LIST[(p * GAPS_PER_PATIENT + k) % GAP_CODE_LIST.length] ?? 'missing-route';
      out.push(
        {
          resourceType: 'MedicationAdministration',
          id: ma,
          status: 'completed',
          medicationCodeableConcept: { text: 'Methylprednisolone sodium succinate 40 mg/1 mL vial' },
          subject: { reference: `Patient/scale-pat-${p}` },
          context: { reference: `Encounter/scale-enc-${p}` },
          effectiveDateTime: `${dos}T0${8 + k}:30:00-05:00`,
          dosage: { dose: { value: 40, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' } },
        },
        {
          resourceType: 'DetectedIssue',
          id: `scale-di-${p}-${k}`,
          ...(k % 2 === 0
            ? {
                extension: [
                  {
                    url: 'https://vialwise.dev/fhir/StructureDefinition/revenue-at-risk',
                    valueMoney: { value: 2.75, currency: 'USD' },
                  },
                ],
              }
            : {}),
          identifier: [
            {
              system: 'https://vialwise.dev/fhir/sid/documentation-gap',
              value: `scale-enc-${p}:${code}:${ma}`,
            },
          ],
          status: 'preliminary',
          code: {
            coding: [
              {
                system: 'https://vialwise.dev/fhir/CodeSystem/documentation-gap',
                code,
                display: GAPS[code].display,
              },
            ],
          },
          severity: GAPS[code].severity,
          patient: { reference: `Patient/scale-pat-${p}` },
          identifiedDateTime: '2026-11-30T06:00:00Z',
          author: { display: 'vialwise' },
          implicated: [
            { reference: `MedicationAdministration/${ma}` },
            { reference: `Encounter/scale-enc-${p}` },
          ],
          detail: GAPS[code].definition,
        },
      );
    }
  }
  return out;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - start) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

describe('the worklist with 2,000 open gaps', () => {
  let demo: DemoService;
  let base: string;
  let demoOpen: number;

  beforeAll(async () => {
    demo = await startDemoService({ SWEEP_INTERVAL_SECONDS: '3600' }, { clock: () => NOW });
    base = demo.running.serviceUrl;
    demoOpen = ((await (await fetch(`${base}/api/ui/worklist`)).json()) as WorklistPage).total;
    // These gaps are seeded, not found: pause the service's Subscriptions so that it does not
    // evaluate the seeded encounters (and close gaps it would not raise).
    for (const s of await search<Subscription>(demo.running, 'Subscription?_count=100'))
      await fhir(demo.running, 'PUT', `Subscription/${s.id ?? ''}`, { ...s, status: 'off' });
    const resources = scaleResources();
    for (let i = 0; i < resources.length; i += 500) {
      const entry: BundleEntry[] = resources.slice(i, i + 500).map((resource) => ({
        resource,
        request: { method: 'PUT', url: `${resource.resourceType}/${resource.id ?? ''}` },
      }));
      const res = await fhir<Bundle>(demo.running, 'POST', '', {
        resourceType: 'Bundle',
        type: 'batch',
        entry,
      });
      expect(res.status).toBe(200);
      expect(res.body.entry?.every((e) => e.response?.status?.startsWith('2'))).toBe(true);
    }
  }, 180_000);

  afterAll(async () => {
    await demo?.running.stop();
  });

  it(
    'answers the first page, every page after it, and the queue counts, from bounded reads',
    { timeout: 180_000 },
    async () => {
      const runs: number[] = [];
      let w: WorklistPage | undefined;
      for (let i = 0; i < 3; i++) {
        const r = await timed(async () => {
          const res = await fetch(`${base}/api/ui/worklist`);
          expect(res.status).toBe(200);
          return (await res.json()) as WorklistPage;
        });
        runs.push(r.ms);
        w = r.value;
      }
      // Baseline: the open gaps alone, every page, as the worklist searches them (nothing they point at).
      const raw: number[] = [];
      for (let i = 0; i < 3; i++) {
        raw.push(
          (
            await timed(async () => {
              const found = await searchAll(
                demo.running.gateway,
                `DetectedIssue?status=preliminary&code=${encodeURIComponent('https://vialwise.dev/fhir/CodeSystem/documentation-gap|')}&_count=500`,
              );
              expect(found.matches).toHaveLength(SEEDED + demoOpen);
            })
          ).ms,
        );
      }
      console.log(
        `\n  worklist API with ${SEEDED + demoOpen} open gaps: median ${median(runs)} ms (${runs.join(', ')}); ` +
          `baseline, the open gaps alone in pages of 500: median ${median(raw)} ms\n`,
      );
      expect(w).toMatchObject({
        total: SEEDED + demoOpen,
        matched: SEEDED + demoOpen,
        page: 1,
        pageSize: 50,
        truncated: false,
      });
      expect(w?.rows).toHaveLength(50);
      expect(w?.pages).toBe(Math.ceil((SEEDED + demoOpen) / 50));
      expect(w?.queues.reduce((n, q) => n + q.open, 0)).toBe(SEEDED + demoOpen);
      const seeded = w?.rows.find((r) => r.id.startsWith('scale-di-'));
      expect(seeded).toMatchObject({
        patient: { mrn: expect.stringMatching(/^SC-\d+$/) as string },
        encounter: { account: expect.stringMatching(/^CSN-\d+$/) as string },
        payer: 'Medicare Part B (demo payer, synthetic)',
      });
      expect(seeded?.administrations[0]?.drug).toBe('Methylprednisolone sodium succinate 40 mg/1 mL vial');
      const last = (await (
        await fetch(`${base}/api/ui/worklist?page=${w?.pages ?? 1}`)
      ).json()) as WorklistPage;
      expect(last.rows.length).toBe((SEEDED + demoOpen) % 50 || 50);
    },
  );

  it('exports all 2,000 in the CSV and counts them on the dashboard', { timeout: 120_000 }, async () => {
    const csv = await timed(async () => (await fetch(`${base}/api/ui/worklist.csv`)).text());
    expect(csv.value.trimEnd().split('\r\n')).toHaveLength(1 + SEEDED + demoOpen);
    const d = await timed(async () => (await (await fetch(`${base}/api/ui/dashboard`)).json()) as Dashboard);
    expect(d.value.openGaps).toBe(SEEDED + demoOpen);
    expect(d.value.truncated).toBe(false);
    expect(d.value.series.points.reduce((n, p) => n + p.open, 0)).toBe(SEEDED + demoOpen);
    const dcsv = await fetch(`${base}/api/ui/dashboard.csv?from=2026-09-01&to=2026-11-30`);
    expect(dcsv.status).toBe(200);
    console.log(`\n  worklist CSV (${SEEDED + demoOpen} rows): ${csv.ms} ms; dashboard: ${d.ms} ms\n`);
  });

  describe.skipIf(!hasChromium)('in Chromium', () => {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      it(`loads at ${size} size, shows 50 at a time and pages on`, { timeout: 120_000 }, async () => {
        // A page of its own context: closing the page closes the context.
        const page = await (await sharedChromium()).newPage({ viewport });
        try {
          const load = await timed(async () => {
            await page.goto(`${base}/#/worklist`);
            await page.locator('table.worklist tbody tr.gap-row').nth(49).waitFor({ timeout: 60_000 });
          });
          const total = (SEEDED + demoOpen).toLocaleString('en-US');
          expect(await page.locator('#worklist-summary').textContent()).toContain(
            `Showing 1–50 of ${total} open gaps`,
          );
          expect(await page.locator('table.worklist tbody tr.gap-row').count()).toBe(50);
          const next = await timed(async () => {
            await page.click('button:has-text("Next →")');
            await expect
              .poll(() => page.locator('#worklist-summary').textContent(), { timeout: 60_000 })
              .toContain(`Showing 51–100 of ${total}`);
          });
          expect(page.url()).toContain('page=2');
          const o = await horizontalOverflow(page);
          expect(o.scrollWidth).toBeLessThanOrEqual(o.innerWidth);
          console.log(
            `\n  worklist in Chromium at ${size} size with ${total} open gaps: first page ${load.ms} ms, next page ${next.ms} ms\n`,
          );
        } finally {
          await page.close();
        }
      });
    }
  });
});
