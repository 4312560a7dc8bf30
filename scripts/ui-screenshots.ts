/**
 * Screenshots of every view of the web UI at a desktop (1440x900) and a phone (390x844) size,
 * for docs/ui.md (`npm run screenshots`): the real service and embedded FHIR server with the demo
 * data, in Debian's Chromium through playwright-core. The clock is fixed so that aging and dates
 * come out the same on every run. Then the batch audit's HTML report over a generated export
 * (seeded), at the same two sizes, for docs/audit.md.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runAudit } from '../src/audit/run.ts';
import { generateExport } from '../tools/synthetic-export/generate.ts';
import { CHROMIUM, CHROMIUM_ARGS, VIEWPORTS } from '../test/ui/browser-support.ts';
import { DEMO_CHARGEMASTER_FILE } from '../src/config.ts';
import { startDemoService, type DemoService } from '../test/ui/support.ts';

const OUT = join(import.meta.dirname, '..', 'docs', 'screenshots');
const NOW = new Date('2026-12-01T15:00:00Z');

async function prepare(demo: DemoService): Promise<void> {
  const base = demo.running.serviceUrl;
  // A physician linked the missing diagnosis in the EHR and the encounter was re-evaluated: one
  // gap closed by documentation (the dashboard's "Recovered").
  await fetch(`${demo.running.fhirBaseUrl}/Condition/screenshot-cond-05`, {
    method: 'PUT',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify({
      resourceType: 'Condition',
      id: 'screenshot-cond-05',
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      verificationStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
      },
      category: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/condition-category',
              code: 'encounter-diagnosis',
            },
          ],
        },
      ],
      code: {
        coding: [
          {
            system: 'http://hl7.org/fhir/sid/icd-10-cm',
            code: 'J45.41',
            display: 'Moderate persistent asthma with (acute) exacerbation',
          },
        ],
      },
      subject: { reference: 'Patient/demo-pat-05' },
      encounter: { reference: 'Encounter/demo-enc-05' },
    }),
  });
  await demo.running.service.evaluate('demo-enc-05');
  // A realistic morning: a few gaps assigned, one acknowledged.
  const w = (await (await fetch(`${base}/api/ui/worklist`)).json()) as {
    rows: { id: string; code: string; version?: string }[];
  };
  const pick = (code: string) => w.rows.find((r) => r.code === code);
  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const wastage = pick('wastage-undocumented');
  const route = pick('missing-route');
  const code = pick('charge-code-mismatch');
  if (wastage && route)
    await post('/api/ui/gaps/assign', {
      items: [{ id: wastage.id }, { id: route.id }],
      owner: { reference: 'Practitioner/demo-rn-alpha' },
    });
  if (code) await post('/api/ui/gaps/assign', { items: [{ id: code.id }], owner: { display: 'Dana Coder' } });
  const ndc = pick('ndc-missing');
  if (ndc?.version)
    await post(`/api/ui/gaps/${ndc.id}/acknowledge`, {
      version: ndc.version,
      author: { reference: 'Practitioner/demo-rn-bravo' },
      note: 'Pharmacy is looking up the NDC of the vial used',
    });
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
  console.log(`docs/screenshots/${name}.png`);
}

/** The audit report of a generated export (600 encounters, seed 9, its own CMS 2026Q1 prices). */
async function auditReport(browser: Browser): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vialwise-screenshots-'));
  try {
    const answers = generateExport({ encounters: 600, outDir: dir, seed: 9 });
    const html = join(dir, 'audit.html');
    const r = await runAudit({
      since: answers.range.since,
      until: answers.range.until,
      ndjsonDir: dir,
      priceFiles: [join(dir, answers.priceFile)],
      html,
      env: {},
      stdout: () => undefined,
    });
    if (r.exitCode !== 0) throw new Error(`the audit exited ${r.exitCode}`);
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
      const page = await context.newPage();
      await page.goto(pathToFileURL(html).href);
      await shoot(page, `audit-report-${size}`);
      await context.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  // Priced as `npm start` prices the demo: the demo hospital's chargemaster, CMS limits elsewhere.
  const demo = await startDemoService({ CHARGEMASTER_FILE: DEMO_CHARGEMASTER_FILE }, { clock: () => NOW });
  const base = demo.running.serviceUrl;
  await prepare(demo);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
      const page = await context.newPage();
      // The page's own clock too (the re-evaluation confirmation says when).
      await page.clock.setFixedTime(NOW);
      await page.goto(`${base}/`);
      await page.evaluate(() => window.localStorage.setItem('vialwise.queue', 'clinical-documentation'));
      await page.goto(`${base}/#/worklist`);
      await page.reload();
      await page.locator('table.worklist').waitFor();
      await shoot(page, `worklist-${size}`);

      await page.locator('button.queue[data-queue="charge-correction"]').click();
      await page.locator('table.worklist tbody tr[data-queue="charge-correction"]').first().waitFor();
      await page.locator('#select-all').check();
      await page.locator('button:has-text("Acknowledge selected")').click();
      await page.locator('#ack-clinician-bulk').fill('Demo Physician-Delta, MD (synthetic)');
      await page.locator('#ack-note-bulk').fill('Corrected charges sent to billing');
      await shoot(page, `worklist-bulk-${size}`);

      await page.goto(`${base}/#/encounter/demo-enc-09`);
      await page.locator('#reevaluate').click();
      await page.locator('#reevaluate-status .notice--success').waitFor();
      await shoot(page, `encounter-${size}`);

      await page.goto(`${base}/#/encounter/no-such-encounter`);
      await page.locator('#not-found').waitFor();
      await shoot(page, `encounter-not-found-${size}`);

      await page.goto(`${base}/#/dashboard`);
      await page.locator('.kpis').waitFor();
      await page.locator('#gaps-chart svg.chart').waitFor();
      await shoot(page, `dashboard-${size}`);
      await context.close();
    }
    await auditReport(browser);
  } finally {
    await browser.close();
    await demo.running.stop();
  }
}

await main();
