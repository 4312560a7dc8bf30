/**
 * The web UI in a real browser (Debian's Chromium through playwright-core) against the real
 * service and the embedded FHIR server with the demo data: a clinician finds a gap, acknowledges
 * it (with the mouse and with the keyboard only), the documentation is fixed through the FHIR API,
 * the Encounter is re-evaluated from the UI and the gap leaves the open list; an analyst's
 * dashboard and CSV agree with the FHIR server. With API_TOKEN set, the page asks for the token,
 * keeps it in sessionStorage only, sends it on every API call and forgets it on sign-out; without
 * it outside embedded mode, the page says the API is disabled. Screenshots go to test-artifacts/ui/.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Claim, Condition, DetectedIssue } from '@medplum/fhirtypes';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVialwise, type Running } from '../../src/bootstrap.ts';
import { loadConfig } from '../../src/config.ts';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../../src/fhir-server/index.ts';
import { silentLogger } from '../../src/logger.ts';
import {
  demoPatientData,
  fhir,
  openGapsByCode,
  search,
  startDemoService,
  type DemoService,
} from './support.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `\n  test/ui/browser.test.ts SKIPPED: ${CHROMIUM} is missing (install it with: apt-get install -y chromium)\n`,
  );
}

const ARTIFACTS = new URL('../../test-artifacts/ui/', import.meta.url).pathname;
const MITIGATION = 'https://vialwise.dev/fhir/CodeSystem/gap-mitigation';

let demo: DemoService;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
const requested: string[] = [];
const external: string[] = [];
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

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

/** WCAG checks the browser can do: landmarks, one h1, labels, captions, names, text contrast. */
async function accessibilityProblems(on: Page = page): Promise<string[]> {
  return on.evaluate(() => {
    const problems: string[] = [];
    if (document.querySelectorAll('h1').length !== 1)
      problems.push(`h1 count ${document.querySelectorAll('h1').length}`);
    for (const sel of ['header', 'nav', 'main', 'footer'])
      if (!document.querySelector(sel)) problems.push(`no ${sel} landmark`);
    for (const el of document.querySelectorAll<HTMLInputElement>('input, select, textarea')) {
      if (el.type === 'hidden') continue;
      if (!el.labels?.length && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
        problems.push(`unlabelled ${el.tagName} ${el.name}`);
    }
    for (const t of document.querySelectorAll('table'))
      if (!t.querySelector(':scope > caption')?.textContent?.trim()) problems.push('table without caption');
    for (const b of document.querySelectorAll('button, a[href]'))
      if (!b.textContent?.trim() && !b.getAttribute('aria-label'))
        problems.push(`${b.tagName} without a name`);
    for (const img of document.querySelectorAll('[role="img"]')) {
      const ids = (img.getAttribute('aria-labelledby') ?? '').split(/\s+/).filter(Boolean);
      if (!ids.length || ids.some((id) => !document.getElementById(id)?.textContent?.trim()))
        problems.push('image without a text alternative');
    }
    // Contrast of every visible text against its effective background (WCAG 1.4.3).
    const parse = (c: string) => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m?.[1]) return undefined;
      const p = m[1]
        .split(/[\s,/]+/)
        .filter(Boolean)
        .map(Number);
      return { r: p[0] ?? 0, g: p[1] ?? 0, b: p[2] ?? 0, a: p[3] ?? 1 };
    };
    const lum = (c: { r: number; g: number; b: number }) => {
      const f = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
    };
    const background = (el: Element) => {
      const layers: { r: number; g: number; b: number; a: number }[] = [];
      for (let e: Element | null = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0) {
          layers.push(c);
          if (c.a >= 1) break;
        }
      }
      let out = { r: 255, g: 255, b: 255 };
      for (const c of layers.reverse())
        out = {
          r: c.r * c.a + out.r * (1 - c.a),
          g: c.g * c.a + out.g * (1 - c.a),
          b: c.b * c.a + out.b * (1 - c.a),
        };
      return out;
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (
        !el ||
        !n.textContent?.trim() ||
        el.closest('.visually-hidden, [hidden], script, style, title, desc, option')
      )
        continue;
      const rect = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      if (!rect.width || !rect.height || cs.visibility === 'hidden' || (el as HTMLButtonElement).disabled)
        continue;
      const fg = parse(el instanceof SVGElement ? cs.fill : cs.color);
      if (!fg) continue;
      const bg = background(el);
      const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a) as [number, number];
      const ratio = (hi + 0.05) / (lo + 0.05);
      const size = parseFloat(cs.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5))
        problems.push(`contrast ${ratio.toFixed(2)} for "${n.textContent.trim().slice(0, 40)}"`);
    }
    return problems;
  });
}

describe.skipIf(!hasChromium)('web UI in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    demo = await startDemoService();
    base = demo.running.serviceUrl;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    // The page may talk to the service only: anything else is recorded and refused.
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      requested.push(url);
      if (url.startsWith(base + '/')) await route.continue();
      else {
        external.push(url);
        await route.abort();
      }
    });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.running.stop();
  });

  it('lists the open gaps of the FHIR server, saying what to document, for which administration, and what is at risk', async () => {
    await openWorklist();
    const open = await openGapsByCode(demo.running);
    const total = Object.values(open).reduce((a, b) => a + b, 0);
    await expect.poll(() => page.locator('table.worklist tbody tr[data-code]').count()).toBe(total);
    await expect
      .poll(() => page.locator('#worklist-summary').textContent())
      .toContain(`Showing ${total} of ${total} open gaps`);
    const md = row('missing-diagnosis');
    const text = (await md.textContent()) ?? '';
    for (const s of [
      'Missing diagnosis',
      'Link the diagnosis',
      'Methylprednisolone sodium succinate',
      '40 mg',
      'IV push',
      '2026-11-10 21:30',
      '$2.75',
      'Demo Patient-NoDiagnosis',
      'Encounter demo-enc-05',
    ]) {
      expect(text, s).toContain(s);
    }
    await expect
      .poll(() => page.locator('.notice--illustrative').first().textContent())
      .toMatch(/ILLUSTRATIVE demo prices/);
    expect(await page.locator('table.worklist thead').textContent()).toContain('At risk (illustrative)');
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
    for (let i = 0; i < 80 && !reached; i++) {
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
    // Focus returns to the button; screen readers hear the result.
    expect(await target.evaluate((el) => el === document.activeElement)).toBe(true);
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
    const form = page.locator('tr.ack-row:not([hidden]) form.ack-form');
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
    expect(await page.locator('#derived-h + p + .table-wrap').textContent()).toContain('J2920-JZ');
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
    expect(await kpi('jw')).toBe('8');
    expect(await kpi('recovered')).toBe('$2.75*');
    expect(await page.locator('[data-kpi="recovered"] .kpi__sub').textContent()).toContain('1 gap closed');
    expect(await page.locator('.notice--illustrative').textContent()).toMatch(/ILLUSTRATIVE/);

    const chart = page.locator('svg.chart[role="img"]');
    expect(await chart.count()).toBe(1);
    expect(await chart.locator('desc').textContent()).toMatch(/opened and closed per day/);
    expect(await chart.locator('rect.chart__bar--closed').count()).toBeGreaterThan(0);
    expect(await accessibilityProblems()).toEqual([]);
    await shot('07-dashboard');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('a:has-text("Download CSV")'),
    ]);
    const csv = readFileSync((await download.path()) ?? '', 'utf8');
    expect(csv.split('\r\n')[0]).toBe('section,metric,code,date,count,units,amount_usd,prices');
    expect(csv).toContain('"ILLUSTRATIVE demo prices, not CMS payment limits"');
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
    expect(external).toEqual([]);
    expect(requested.length).toBeGreaterThan(10);
    const patientData = demoPatientData();
    for (const url of requested)
      for (const s of patientData) expect(decodeURIComponent(url), url).not.toContain(s);
    const log = demo.log.join('');
    for (const s of [...patientData, 'Dr Test Clinician', 'asthma diagnosis', 'Nurse Alpha; adding'])
      expect(log, s).not.toContain(s);
    expect(pageErrors).toEqual([]);
  });
});

describe.skipIf(!hasChromium)('web UI in Chromium: the API token', () => {
  const API_TOKEN = 'browser-api-token-Rz8Lq3Vn6Tc1Wm5K';
  let guarded: DemoService;
  let disabledFhir: EmbeddedFhirServer;
  let disabled: Running;
  let tokenBrowser: Browser;
  let ctx: BrowserContext;
  let tab: Page;
  /** Every request the pages made: URL and headers. */
  const sent: Promise<{ url: string; headers: Record<string, string> }>[] = [];
  const offsite: string[] = [];
  const errors: string[] = [];

  const storage = (p: Page) =>
    p.evaluate(() => ({
      session: Object.entries(window.sessionStorage),
      local: Object.entries(window.localStorage),
      cookie: document.cookie,
    }));

  function watch(p: Page): Page {
    p.on('request', (r) => sent.push(r.allHeaders().then((headers) => ({ url: r.url(), headers }))));
    p.on('pageerror', (e) => errors.push(e.message));
    return p;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    guarded = await startDemoService({ API_TOKEN });
    // Outside embedded mode without API_TOKEN: the API is disabled.
    disabledFhir = await startEmbeddedFhirServer({ port: 0, logger: silentLogger });
    disabled = await startVialwise(
      loadConfig({
        PORT: '0',
        FHIR_BASE_URL: disabledFhir.baseUrl,
        WEBHOOK_SECRET: 'test-secret-0123456789abcdef',
        LOG_LEVEL: 'silent',
      }),
      silentLogger,
    );
    tokenBrowser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    ctx = await tokenBrowser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
    await ctx.route('**/*', async (route) => {
      const url = route.request().url();
      if (url.startsWith(guarded.running.serviceUrl + '/') || url.startsWith(disabled.serviceUrl + '/'))
        await route.continue();
      else {
        offsite.push(url);
        await route.abort();
      }
    });
    tab = watch(await ctx.newPage());
  }, 120_000);

  afterAll(async () => {
    await tokenBrowser?.close();
    await guarded?.running.stop();
    await disabled?.stop();
    await disabledFhir?.stop();
  });

  it('asks for the token with an accessible form, refuses a wrong one, and loads the worklist with the right one', async () => {
    const base = guarded.running.serviceUrl;
    await tab.goto(`${base}/#/worklist`);
    const input = tab.getByLabel('API token');
    await input.waitFor();
    expect(await tab.locator('h1').textContent()).toBe('Sign in to vialwise');
    expect(await input.getAttribute('type')).toBe('password');
    expect(await tab.locator('#sign-out').isVisible()).toBe(false);
    expect(await tab.locator('table.worklist').count()).toBe(0);
    expect(await accessibilityProblems(tab)).toEqual([]);
    await shot2(tab, '10-sign-in');

    // A wrong token: an error message tied to the field, focus back in it, nothing kept.
    await input.fill('not-the-token-0123456789abcdef');
    await tab.click('button:has-text("Sign in")');
    await expect
      .poll(() => tab.locator('#sign-in-error[role="alert"]').textContent())
      .toContain('was not accepted');
    expect(await tab.getByLabel('API token').getAttribute('aria-invalid')).toBe('true');
    expect(await tab.getByLabel('API token').getAttribute('aria-describedby')).toContain('sign-in-error');
    expect(await tab.evaluate(() => document.activeElement?.id)).toBe('sign-in-token');
    expect((await storage(tab)).session).toEqual([]);
    expect(await accessibilityProblems(tab)).toEqual([]);
    await shot2(tab, '11-sign-in-refused');

    // Empty: said so, nothing sent.
    await tab.getByLabel('API token').fill('');
    await tab.keyboard.press('Enter');
    await expect.poll(() => tab.locator('#sign-in-error').textContent()).toBe('Enter the API token.');

    // The right token, typed and submitted with the keyboard.
    await tab.getByLabel('API token').fill(API_TOKEN);
    await tab.keyboard.press('Enter');
    await tab.locator('table.worklist').waitFor();
    const open = await openGapsByCode(guarded.running);
    await expect
      .poll(() => tab.locator('table.worklist tbody tr[data-code]').count())
      .toBe(Object.values(open).reduce((a, b) => a + b, 0));
    expect(await tab.locator('#sign-out').isVisible()).toBe(true);
    expect(await tab.locator('h1').evaluate((el) => el === document.activeElement)).toBe(true);
    // Kept in this tab's sessionStorage only: not localStorage, not a cookie, not the address.
    const kept = await storage(tab);
    expect(kept.session).toEqual([['vialwise.apiToken', API_TOKEN]]);
    expect(kept.local).toEqual([]);
    expect(kept.cookie).toBe('');
    expect(tab.url()).not.toContain(API_TOKEN);
    await shot2(tab, '12-signed-in');
  });

  it('sends the token on every API call: filters, encounter view, dashboard and the CSV download', async () => {
    const base = guarded.running.serviceUrl;
    await tab.selectOption('#f-code', 'missing-diagnosis');
    await tab.click('button:has-text("Apply filters")');
    await expect.poll(() => tab.locator('table.worklist tbody tr[data-code]').count()).toBe(1);
    await tab.locator('table.worklist tbody tr[data-code] a:has-text("Encounter demo-enc-05")').click();
    await tab.locator('#reevaluate').waitFor();
    await tab.click('#reevaluate');
    await expect.poll(() => tab.locator('#announcer').textContent()).toContain('Re-evaluated');

    await tab.click('nav a:has-text("Dashboard")');
    await tab.locator('.kpis').waitFor();
    const [download] = await Promise.all([
      tab.waitForEvent('download'),
      tab.click('a:has-text("Download CSV")'),
    ]);
    expect(download.suggestedFilename()).toMatch(/^vialwise-dashboard-.*\.csv$/);
    const csv = readFileSync((await download.path()) ?? '', 'utf8');
    expect(csv.split('\r\n')[0]).toBe('section,metric,code,date,count,units,amount_usd,prices');

    const requests = await Promise.all(sent);
    const api = requests.filter((r) => r.url.startsWith(`${base}/api/`));
    // From the sign-in on (before it: none, then the wrong token once).
    const after = api.slice(api.findIndex((r) => r.headers.authorization === `Bearer ${API_TOKEN}`));
    expect(after.length).toBeGreaterThan(5);
    expect(after.map((r) => new URL(r.url).pathname)).toEqual(
      expect.arrayContaining([
        '/api/ui/worklist',
        '/api/ui/practitioners',
        '/api/ui/encounters/demo-enc-05',
        '/api/encounters/demo-enc-05/evaluate',
        '/api/ui/dashboard',
        '/api/ui/dashboard.csv',
      ]),
    );
    for (const r of after) expect(r.headers.authorization, r.url).toBe(`Bearer ${API_TOKEN}`);
    for (const r of requests) {
      expect(r.url).not.toContain(API_TOKEN);
      expect(r.headers.cookie ?? '').not.toContain(API_TOKEN);
    }
  });

  it('keeps the session across a reload of the tab, not into a new tab', async () => {
    const base = guarded.running.serviceUrl;
    await tab.goto(`${base}/#/worklist`);
    await tab.reload();
    await tab.locator('table.worklist').waitFor();
    const other = watch(await ctx.newPage());
    try {
      await other.goto(`${base}/#/worklist`);
      await other.getByLabel('API token').waitFor();
      expect((await storage(other)).session).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('signs out: the token and the patient data on screen are gone, and the next call asks again', async () => {
    await tab.locator('table.worklist').waitFor();
    await tab.click('#sign-out');
    await tab.getByLabel('API token').waitFor();
    expect(await tab.locator('main').textContent()).toContain('You are signed out.');
    expect(await tab.locator('#sign-out').isVisible()).toBe(false);
    expect(await tab.locator('h1').evaluate((el) => el === document.activeElement)).toBe(true);
    expect((await storage(tab)).session).toEqual([]);
    const text = (await tab.locator('main').textContent()) ?? '';
    for (const s of demoPatientData()) expect(text).not.toContain(s);
    expect(await accessibilityProblems(tab)).toEqual([]);
    await shot2(tab, '13-signed-out');

    await tab.click('nav a:has-text("Dashboard")');
    await expect.poll(() => tab.locator('h1').textContent()).toBe('Sign in to vialwise');
    expect(await tab.locator('.kpis').count()).toBe(0);
  });

  it('says the API is disabled when API_TOKEN is not set outside embedded mode', async () => {
    const p = watch(await ctx.newPage());
    try {
      await p.goto(`${disabled.serviceUrl}/#/worklist`);
      await p.locator('#api-disabled').waitFor();
      expect(await p.locator('#api-disabled').textContent()).toContain('disabled until API_TOKEN is set');
      expect(await p.locator('h1').textContent()).toBe('vialwise is not available');
      expect(await p.getByLabel('API token').count()).toBe(0);
      expect(await accessibilityProblems(p)).toEqual([]);
      await shot2(p, '14-api-disabled');
    } finally {
      await p.close();
    }
  });

  it('logged no token and threw no errors, talking to nothing but the service', () => {
    expect(offsite).toEqual([]);
    expect(errors).toEqual([]);
    const log = guarded.log.join('');
    expect(log).not.toContain(API_TOKEN);
    expect(log).not.toContain('not-the-token');
    expect(log).toContain('"event":"api-unauthorized"');
  });
});

async function shot2(p: Page, name: string): Promise<void> {
  await p.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

if (!hasChromium) {
  describe('web UI in Chromium', () => {
    it.skip(`needs ${CHROMIUM}: apt-get install -y chromium`, () => undefined);
  });
}
