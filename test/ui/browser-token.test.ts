/**
 * The web UI with API_TOKEN set, in a real browser (Debian's Chromium through playwright-core):
 * the page asks for the token, keeps it in sessionStorage only, sends it on every API call and
 * forgets it on sign-out; without it outside embedded mode, the page says the API is disabled.
 * Screenshots go to test-artifacts/ui/ with VIALWISE_SCREENSHOTS=1.
 */
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVialwise, type Running } from '../../src/bootstrap.ts';
import { loadConfig } from '../../src/config.ts';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../../src/fhir-server/index.ts';
import { silentLogger } from '../../src/logger.ts';
import {
  accessibilityProblems,
  CHROMIUM,
  hasChromium,
  recordRequests,
  screenshot,
  sharedChromium,
  VIEWPORTS,
} from './browser-support.ts';
import { demoPatientData, openGapsByCode, startDemoService, type DemoService } from './support.ts';

describe.skipIf(!hasChromium)('web UI in Chromium: the API token', () => {
  const API_TOKEN = 'browser-api-token-Rz8Lq3Vn6Tc1Wm5K';
  let guarded: DemoService;
  let disabledFhir: EmbeddedFhirServer;
  let disabled: Running;
  let ctx: BrowserContext;
  let tab: Page;
  /** Every request the pages made: URL and headers. */
  const sent: Promise<{ url: string; headers: Record<string, string> }>[] = [];
  let requested: string[] = [];
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
    ctx = await (await sharedChromium()).newContext({ viewport: VIEWPORTS.desktop, acceptDownloads: true });
    // Every request is recorded; Chromium refuses any host but this machine's (sharedChromium).
    requested = recordRequests(ctx);
    tab = watch(await ctx.newPage());
  }, 120_000);

  afterAll(async () => {
    await ctx?.close();
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
    await screenshot(tab, '10-sign-in');

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
    await screenshot(tab, '11-sign-in-refused');

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
    await screenshot(tab, '12-signed-in');
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
    // The status line and the announcer are updated by separate writes: wait for both.
    await expect.poll(() => tab.locator('#reevaluate-status').textContent()).toContain('Re-evaluated');

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
    await screenshot(tab, '13-signed-out');

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
      await screenshot(p, '14-api-disabled');
    } finally {
      await p.close();
    }
  });

  it('logged no token and threw no errors, talking to nothing but the service', () => {
    const services = [guarded.running.serviceUrl + '/', disabled.serviceUrl + '/'];
    expect(requested.filter((url) => !services.some((s) => url.startsWith(s)))).toEqual([]);
    expect(errors).toEqual([]);
    const log = guarded.log.join('');
    expect(log).not.toContain(API_TOKEN);
    expect(log).not.toContain('not-the-token');
    expect(log).toContain('"event":"api-unauthorized"');
  });
});

if (!hasChromium) {
  describe('web UI in Chromium: the API token', () => {
    it.skip(`needs ${CHROMIUM}: apt-get install -y chromium`, () => undefined);
  });
}
