/**
 * The HTML report in headless Chromium: opened from disk, its key figures read off the page and
 * checked against answers.json, both charts drawn, and every request the page makes intercepted
 * to prove that nothing but the file itself is loaded. Screenshot: test-artifacts/audit/.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/run.ts';
import { generated, tempDir } from './support.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `\n  test/audit/html.test.ts SKIPPED: ${CHROMIUM} is missing (install it with: apt-get install -y chromium)\n`,
  );
}
const ARTIFACTS = new URL('../../test-artifacts/audit/', import.meta.url).pathname;

const fixture = generated(600, 9);
const work = tempDir();
const report = join(work, 'audit report.html');
let browser: Browser;
let page: Page;
const requested: string[] = [];
const refused: string[] = [];
const consoleErrors: string[] = [];

const int = (n: number) => n.toLocaleString('en-US');
const usd = (n: number) =>
  `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}*`;

describe.skipIf(!hasChromium)('the HTML report in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const r = await runAudit({
      since: fixture.answers.range.since,
      until: fixture.answers.range.until,
      ndjsonDir: fixture.dir,
      priceFiles: [fixture.prices],
      html: report,
      env: {},
      stdout: () => undefined,
    });
    expect(r.exitCode).toBe(0);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const own = pathToFileURL(report).href;
    // Only the report itself may load; anything else is recorded and refused.
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      requested.push(url);
      if (url === own) await route.continue();
      else {
        refused.push(url);
        await route.abort();
      }
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(own);
    await page.waitForLoadState('load');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
    rmSync(fixture.dir, { recursive: true, force: true });
  });

  const figure = (id: string) => page.locator(`[data-figure="${id}"]`).innerText();

  it('shows the key figures of the audit, as answers.json has them', async () => {
    const t = fixture.answers.totals;
    expect(await figure('encounters')).toBe(int(t.encounters));
    expect(await figure('missed-jw-units')).toBe(int(t.missedJw.units));
    expect(await figure('missed-jw-value')).toBe(usd(t.missedJw.value));
    expect(await figure('under-units')).toBe(int(t.underBilled.units));
    expect(await figure('over-units')).toBe(int(t.overBilled.units));
    expect(await figure('wrong-codes')).toBe(int(t.wrongCodes));
    expect(await figure('missing-jz')).toBe(int(t.missingJz));
    expect(await figure('gaps')).toBe(int(t.gaps));
    expect(await figure('at-risk')).toBe(usd(t.revenueAtRisk));
    expect(await figure('recoverable')).toBe(usd(t.recoverableValue));
    expect(await page.locator('h1').innerText()).toContain(
      `${fixture.answers.range.since} to ${fixture.answers.range.until}`,
    );
  });

  it('says the prices are illustrative, and lists the gaps and wrong codes', async () => {
    expect(await figure('illustrative')).toMatch(/ILLUSTRATIVE prices: not CMS payment limits/);
    const gapRows = await page.locator('#gaps-by-code tbody tr').allInnerTexts();
    expect(gapRows).toHaveLength(Object.keys(fixture.answers.totals.gapsByCode).length);
    const mismatch = fixture.answers.totals.gapsByCode['charge-code-mismatch'];
    expect(gapRows.find((r) => r.startsWith('charge-code-mismatch'))).toContain(int(mismatch?.count ?? -1));
    expect(await page.locator('#wrong-codes tbody tr').first().innerText()).toMatch(/J1250\s+J2919\s+\d+/);
  });

  it('draws both charts as inline SVG', async () => {
    const charts = page.locator('svg.chart');
    expect(await charts.count()).toBe(2);
    const recoverable = charts.nth(0);
    expect(await recoverable.getAttribute('aria-label')).toBe('Value recoverable by HCPCS code');
    expect(await recoverable.locator('text.label').allTextContents()).toContain('J1745');
    const overTime = charts.nth(1);
    expect(await overTime.locator('rect').count()).toBeGreaterThan(10);
    const box = await overTime.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(600);
  });

  it('loads nothing but itself: no request leaves the page, no console error', async () => {
    expect(requested).toEqual([pathToFileURL(report).href]);
    expect(refused).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'audit-report.png'), fullPage: true });
  });
});

if (!hasChromium) {
  describe('the HTML report in Chromium', () => {
    it.skip(`needs ${CHROMIUM}: apt-get install -y chromium`, () => undefined);
  });
}
