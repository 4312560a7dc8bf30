/**
 * The web UI in a real browser (Debian's Chromium through playwright-core) against the real
 * service and the embedded FHIR server with the demo data, at a desktop size: a clinician finds
 * a gap, acknowledges it (with the mouse and with the keyboard only), the documentation is fixed
 * through the FHIR API, the Encounter is re-evaluated from the UI and the gap leaves the open
 * list; an analyst's dashboard and CSV agree with the FHIR server. Both sizes of every view:
 * browser-views.test.ts; the API token: browser-token.test.ts. Screenshots go to
 * test-artifacts/ui/ with VIALWISE_SCREENSHOTS=1.
 */
import { readFileSync } from 'node:fs';
import type { Claim, Condition, DetectedIssue } from '@medplum/fhirtypes';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityProblems as problemsOf,
  CHROMIUM,
  dataInUrls,
  hasChromium,
  recordRequests,
  screenshot,
  sharedChromium,
  VIEWPORTS,
} from './browser-support.ts';
import {
  demoPatientData,
  fhir,
  openGapsByCode,
  search,
  startDemoService,
  type DemoService,
} from './support.ts';

if (!hasChromium) {
  console.warn(
    `\n  test/ui/browser.test.ts SKIPPED: ${CHROMIUM} is missing (install it with: apt-get install -y chromium)\n`,
  );
}

const MITIGATION = 'https://vialwise.dev/fhir/CodeSystem/gap-mitigation';

let demo: DemoService;
let context: BrowserContext;
let page: Page;
let base: string;
let requested: string[] = [];
const pageErrors: string[] = [];

const shot = (name: string) => screenshot(page, name);

const row = (code: string) => page.locator(`table.worklist tbody tr[data-code="${code}"]`);

/** A fresh load of the worklist (a goto that only changes the hash would keep the page). */
async function openWorklist(): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${base}/#/worklist`);
  await page.locator('table.worklist, .results .empty').first().waitFor();
}

async function issueFor(encounter: string, code: string): Promise<DetectedIssue> {
  const [issue] = await search<DetectedIssue>(
    demo.running,
    `DetectedIssue?identifier=${encodeURIComponent(`https://vialwise.dev/fhir/sid/documentation-gap|${encounter}:${code}:`)}`,
  );
  if (issue) return issue;
  const all = await search<DetectedIssue>(
    demo.running,
    `DetectedIssue?implicated=Encounter/${encounter}&_count=100`,
  );
  const found = all.find((i) => i.code?.coding?.some((c) => c.code === code));
  if (!found) throw new Error(`no ${code} issue for ${encounter}`);
  return found;
}

const accessibilityProblems = (on: Page = page) => problemsOf(on);

describe.skipIf(!hasChromium)('web UI in Chromium', () => {
  beforeAll(async () => {
    demo = await startDemoService();
    base = demo.running.serviceUrl;
    const browser = await sharedChromium();
    context = await browser.newContext({ viewport: VIEWPORTS.desktop, acceptDownloads: true });
    // The page may talk to the service only: every request is recorded, and Chromium refuses
    // any host but this machine's (sharedChromium).
    requested = recordRequests(context);
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await demo?.running.stop();
  });

  it('lists the open gaps of the FHIR server, saying what to document, for which administration, and what is at risk', async () => {
    await openWorklist();
    const open = await openGapsByCode(demo.running);
    const total = Object.values(open).reduce((a, b) => a + b, 0);
    await expect.poll(() => page.locator('table.worklist tbody tr[data-code]').count()).toBe(total);
    // A browser that never chose a queue sees every queue.
    expect(await page.locator('button.queue[aria-pressed="true"]').getAttribute('data-queue')).toBe('all');
    await expect
      .poll(() => page.locator('#worklist-summary').textContent())
      .toContain(`Showing 1–${total} of ${total} open gaps`);
    const md = row('missing-diagnosis');
    const text = (await md.textContent()) ?? '';
    for (const s of [
      'Missing diagnosis',
      'Link the diagnosis',
      'Methylprednisolone sodium succinate',
      '40 mg',
      'IV push',
      '2026-11-10 21:30',
      '$2.11',
      'Demo Patient-NoDiagnosis',
      'Encounter demo-enc-05',
    ]) {
      expect(text, s).toContain(s);
    }
    // CMS payment limits: no illustrative notice, and the column says so.
    expect(await page.locator('.notice--illustrative').count()).toBe(0);
    const head = (await page.locator('table.worklist thead').textContent()) ?? '';
    expect(head).toContain('At risk');
    expect(head).not.toContain('illustrative');
    for (const column of [
      'Patient',
      'MRN / account',
      'Payer',
      'Date of service',
      'Aging',
      'Severity',
      'What to document',
      'Owner',
    ])
      expect(head, column).toContain(column);
    expect(text).toContain('DEMO-MRN-0005');
    expect(text).toContain('Medicare Part B (demo payer, synthetic)');
    expect(await accessibilityProblems()).toEqual([]);
    await shot('01-worklist');
  });

  it('filters by gap, patient and severity, with ids (never names) in the URL', async () => {
    await openWorklist();
    await page.selectOption('#f-code', 'missing-diagnosis');
    await page.click('button:has-text("Apply filters")');
    await expect.poll(() => page.locator('table.worklist tbody tr[data-code]').count()).toBe(1);
    expect(page.url()).toContain('code=missing-diagnosis');

    await page.click('button:has-text("Clear filters")');
    await page.selectOption('#f-patient', { label: 'Demo Patient-Clinic' });
    await page.click('button:has-text("Apply filters")');
    await expect.poll(() => page.locator('table.worklist tbody tr[data-code]').count()).toBe(2);
    expect(page.url()).toContain('patient=demo-pat-11');
    expect(page.url()).not.toMatch(/Clinic|Patient-/);

    await page.selectOption('#f-severity', 'low');
    await page.click('button:has-text("Apply filters")');
    await expect.poll(() => page.locator('table.worklist tbody tr[data-code]').count()).toBe(1);
    expect(await page.locator('table.worklist tbody tr[data-code]').getAttribute('data-code')).toBe(
      'missing-performer',
    );

    await page.fill('#f-from', '2030-01-01');
    await page.click('button:has-text("Apply filters")');
    await expect.poll(() => page.locator('.results .empty').textContent()).toContain('No open gap matches');
    await page.click('button:has-text("Clear filters")');
    await expect.poll(() => page.locator('table.worklist tbody tr[data-code]').count()).toBeGreaterThan(2);
  });

  it('reaches and submits the acknowledge form with the keyboard only', async () => {
    await openWorklist();
    await page.locator('body').focus();
    const target = row('missing-performer').locator('button:has-text("Acknowledge")');
    let reached = false;
    for (let i = 0; i < 150 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await target.evaluate((el) => el === document.activeElement);
    }
    expect(reached, 'Tab reaches the Acknowledge button').toBe(true);
    // A visible focus indicator.
    const outline = await target.evaluate((el) => {
      const cs = getComputedStyle(el);
      return { style: cs.outlineStyle, width: parseFloat(cs.outlineWidth) };
    });
    expect(outline.style).not.toBe('none');
    expect(outline.width).toBeGreaterThanOrEqual(2);
    await shot('02-keyboard-focus');

    await page.keyboard.press('Enter');
    expect(await target.getAttribute('aria-expanded')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toMatch(/^ack-clinician-/);
    await page.keyboard.type('Demo Nurse-Alpha, RN (synthetic)');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toMatch(/^ack-note-/);
    await page.keyboard.type('Performer was Nurse Alpha; adding her to the record.');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Record acknowledgement');
    await page.keyboard.press('Enter');

    await expect
      .poll(() => row('missing-performer').locator('.acks').textContent())
      .toContain('Acknowledged by Demo Nurse-Alpha, RN (synthetic)');
    // Focus returns to the button; everyone sees the result, screen readers hear it.
    expect(await target.evaluate((el) => el === document.activeElement)).toBe(true);
    await expect
      .poll(() => page.locator('#worklist-flash').textContent())
      .toContain('Acknowledgement recorded');
    expect(await page.locator('#worklist-flash .notice--success').isVisible()).toBe(true);
    await expect.poll(() => page.locator('#announcer').textContent()).toContain('Acknowledgement recorded');
    const issue = await issueFor('demo-enc-11', 'missing-performer');
    expect(issue.mitigation?.at(-1)).toMatchObject({
      action: {
        coding: [{ system: MITIGATION, code: 'acknowledged' }],
        text: 'Performer was Nurse Alpha; adding her to the record.',
      },
      author: { reference: 'Practitioner/demo-rn-alpha', display: 'Demo Nurse-Alpha, RN (synthetic)' },
    });
  });

  it('acknowledges the missing diagnosis, then the gap leaves the list once the documentation is fixed and re-evaluated', async () => {
    await openWorklist();
    const before = await issueFor('demo-enc-05', 'missing-diagnosis');
    expect(before.status).toBe('preliminary');

    // Acknowledge with a name typed by hand (no Practitioner on file for it).
    await row('missing-diagnosis').locator('button:has-text("Acknowledge")').click();
    const form = page.locator('tr.form-row:not([hidden]) form.action-form');
    await form.getByLabel('Clinician').fill('Dr Test Clinician');
    await form.getByLabel('Note').fill('Asked Dr Charlie to link the asthma diagnosis');
    await shot('03-acknowledge-form');
    await form.locator('button[type="submit"]').click();
    await expect
      .poll(() => row('missing-diagnosis').locator('.acks').textContent())
      .toContain('Acknowledged by Dr Test Clinician');
    const acked = (await fhir<DetectedIssue>(demo.running, 'GET', `DetectedIssue/${before.id ?? ''}`)).body;
    expect(acked.status).toBe('preliminary');
    expect(acked.meta?.versionId).not.toBe(before.meta?.versionId);
    expect(acked.mitigation).toEqual([
      {
        action: {
          coding: [{ system: MITIGATION, code: 'acknowledged', display: 'Acknowledged by a clinician' }],
          text: 'Asked Dr Charlie to link the asthma diagnosis',
        },
        date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) as string,
        author: { display: 'Dr Test Clinician' },
      },
    ]);
    await shot('04-acknowledged');

    // The physician documents the diagnosis in the EHR: a Condition for the encounter on the FHIR server.
    const condition: Condition = {
      resourceType: 'Condition',
      id: 'ui-test-cond-05',
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
    };
    expect((await fhir(demo.running, 'PUT', 'Condition/ui-test-cond-05', condition)).status).toBeLessThan(
      300,
    );

    // From the worklist to the encounter view, and re-evaluate there.
    await row('missing-diagnosis').locator('a:has-text("Encounter demo-enc-05")').click();
    await page.locator('#reevaluate').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Encounter demo-enc-05');
    await page.click('#reevaluate');
    await expect
      .poll(() => page.locator('tr[data-state="closed"]').textContent(), { timeout: 10_000 })
      .toContain('Missing diagnosis');
    // A visible confirmation, and focus stays on the button.
    expect(await page.locator('#reevaluate-status .notice--success').textContent()).toMatch(
      // The FHIR server's own notification may have re-evaluated it first.
      /^Re-evaluated at \d\d:\d\d UTC: (\d+ changes? written to the FHIR server|nothing needed writing); (\d+ gaps? open|no gap open)\.$/,
    );
    expect(await page.locator('#reevaluate').evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.locator('#derived-h + p + .table-wrap').textContent()).toContain('J2919-JZ');
    expect(await page.locator('dd:has-text("J45.41")').count()).toBe(1);
    expect(await accessibilityProblems()).toEqual([]);
    await shot('05-encounter-after-fix');

    const closed = (await fhir<DetectedIssue>(demo.running, 'GET', `DetectedIssue/${before.id ?? ''}`)).body;
    expect(closed.status).toBe('final');
    expect(closed.mitigation?.map((m) => m.action?.coding?.[0]?.code)).toEqual(['acknowledged', 'resolved']);

    await page.click('a:has-text("← Worklist")');
    await page.locator('table.worklist').waitFor();
    const open = await openGapsByCode(demo.running);
    expect(open['missing-diagnosis']).toBeUndefined();
    await expect.poll(() => row('missing-diagnosis').count()).toBe(0);
    await expect
      .poll(() => page.locator('table.worklist tbody tr[data-code]').count())
      .toBe(Object.values(open).reduce((a, b) => a + b, 0));
    await shot('06-worklist-after-fix');
  });

  it('shows the dashboard with the figures of the FHIR server, a chart and the CSV download', async () => {
    await page.goto(`${base}/#/worklist`);
    await page.click('nav a:has-text("Dashboard")');
    await page.locator('.kpis').waitFor();
    expect(await page.locator('h1').evaluate((el) => el === document.activeElement)).toBe(true);

    const open = await openGapsByCode(demo.running);
    const shown: Record<string, number> = {};
    for (const tr of await page.locator('#at-risk-by-code tbody tr').all()) {
      shown[(await tr.getAttribute('data-code')) ?? '?'] = Number(
        (await tr.locator('td').first().textContent()) ?? 'NaN',
      );
    }
    expect(shown).toEqual(open);

    const claims = await search<Claim>(
      demo.running,
      `Claim?identifier=${encodeURIComponent('https://vialwise.dev/fhir/sid/claim-draft|')}&_count=1000`,
    );
    const kpi = (key: string) => page.locator(`[data-kpi="${key}"] .kpi__value`).textContent();
    expect(await kpi('claims')).toBe(String(claims.length));
    expect(await kpi('lines')).toBe(String(claims.reduce((n, c) => n + (c.item?.length ?? 0), 0)));
    expect(await kpi('jw')).toBe('14');
    expect(await kpi('recovered')).toBe('$2.11');
    expect(await page.locator('[data-kpi="recovered"] .kpi__sub').textContent()).toContain('1 gap closed');
    expect(await page.locator('.notice--illustrative').count()).toBe(0);

    const chart = page.locator('#gaps-chart svg.chart[role="img"]');
    expect(await chart.count()).toBe(1);
    expect(await chart.locator('desc').textContent()).toMatch(
      /gaps per date of service, from 2026-11-\d\d to 2026-11-\d\d/,
    );
    expect(await chart.locator('rect.chart__bar--closed').count()).toBeGreaterThan(0);
    // Bars for revenue at risk by gap and for top codes.
    expect(await page.locator('#at-risk-by-code svg.bar').count()).toBe(Object.keys(open).length);
    expect(await page.locator('#top-codes svg.bar').count()).toBeGreaterThan(0);
    expect(await accessibilityProblems()).toEqual([]);
    await shot('07-dashboard');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('a:has-text("Download CSV")'),
    ]);
    const csv = readFileSync((await download.path()) ?? '', 'utf8');
    expect(csv.split('\r\n')[0]).toBe('section,metric,code,date,count,units,amount_usd,prices');
    expect(csv).not.toContain('ILLUSTRATIVE');
    expect(csv).toContain(`summary,claims_drafted,,,${claims.length},,,`);
    for (const [code, n] of Object.entries(open))
      expect(csv).toMatch(new RegExp(`^at_risk_by_gap_code,[^,]+,${code},,${n},`, 'm'));
    for (const s of demoPatientData()) expect(csv).not.toContain(s);

    // A date range: lines by date of service.
    await page.fill('#d-from', '2026-11-17');
    await page.fill('#d-to', '2026-11-17');
    await page.click('button:has-text("Show")');
    await expect.poll(() => page.locator('.lede').textContent()).toContain('2026-11-17 to 2026-11-17');
    expect(page.url()).toContain('from=2026-11-17');
    expect(await kpi('lines')).toBe('2');
    expect(await kpi('claims')).toBe('1');
  });

  it('renders what the FHIR server holds as text, never as markup', async () => {
    const issue = await issueFor('demo-enc-11', 'missing-route');
    const note = '<img src="x" onerror="window.__pwned = 1">';
    const res = await fetch(`${base}/api/ui/gaps/${issue.id ?? ''}/acknowledge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: issue.meta?.versionId, author: { display: '<b>Mallory</b>' }, note }),
    });
    expect(res.status).toBe(200);
    await openWorklist();
    const acks = row('missing-route').locator('.acks');
    await expect.poll(() => acks.textContent()).toContain(note);
    expect(await acks.textContent()).toContain('<b>Mallory</b>');
    expect(await acks.locator('img, b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('talked to nothing but the service, kept patient data out of URLs and logs, and threw no errors', () => {
    expect(requested.filter((url) => !url.startsWith(base + '/'))).toEqual([]);
    expect(requested.length).toBeGreaterThan(10);
    const patientData = demoPatientData();
    expect(dataInUrls(requested, patientData)).toEqual([]);
    const log = demo.log.join('');
    for (const s of [...patientData, 'Dr Test Clinician', 'asthma diagnosis', 'Nurse Alpha; adding'])
      expect(log, s).not.toContain(s);
    expect(pageErrors).toEqual([]);
  });
});

if (!hasChromium) {
  describe('web UI in Chromium', () => {
    it.skip(`needs ${CHROMIUM}: apt-get install -y chromium`, () => undefined);
  });
}
