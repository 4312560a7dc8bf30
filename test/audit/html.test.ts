/**
 * The HTML report in headless Chromium, at a desk (1440x900) and on a phone (390x844): opened
 * from disk, the headline and its parts read off the page and checked against answers.json, the
 * parts adding up to the headline, which quarter priced it; at both sizes no sideways panning,
 * every text at 11 px or more and the headline on the first screen; tiles that wrap and wide
 * tables as cards on the phone; every request the page makes intercepted to prove that nothing
 * but the file itself is loaded. Screenshots: test-artifacts/audit/ (the committed ones in
 * docs/screenshots/ come from `npm run screenshots`).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
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
const requested: string[] = [];
const refused: string[] = [];
const consoleErrors: string[] = [];

const int = (n: number) => n.toLocaleString('en-US');
/** Dollars as the report shows them: rounded to cents, half away from zero (CMS limits: no asterisk). */
const usd = (n: number) =>
  `$${(Math.round(n * 100 + 1e-6) / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

async function open(viewport: {
  width: number;
  height: number;
}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
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
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto(own);
  await page.waitForLoadState('load');
  return { context, page };
}

describe.skipIf(!hasChromium)('the HTML report in Chromium', () => {
  let desk: Page;
  let phone: Page;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const r = await runAudit({
      since: fixture.answers.range.since,
      until: fixture.answers.range.until,
      ndjsonDir: fixture.dir,
      priceFiles: fixture.prices,
      html: report,
      env: {},
      // One worker (on the main thread): the page is what is under test.
      workers: 1,
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
    desk = (await open({ width: 1440, height: 900 })).page;
    phone = (await open({ width: 390, height: 844 })).page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
    rmSync(fixture.dir, { recursive: true, force: true });
  });

  const figure = (page: Page, id: string) => page.locator(`[data-figure="${id}"]`).innerText();

  it('leads with one headline, its four parts as answers.json has them, adding up to it', async () => {
    const t = fixture.answers.totals;
    expect(await figure(desk, 'recoverable')).toBe(usd(t.recoverableValue));
    expect(await figure(desk, 'missed-jw-value')).toBe(usd(t.missedJw.value));
    expect(await figure(desk, 'under-value')).toBe(usd(t.underBilled.value));
    expect(await figure(desk, 'wrong-code-value')).toBe(usd(t.wrongCode.value));
    expect(await figure(desk, 'missing-jz-value')).toBe(usd(t.missingJzValue.value));
    // The headline comes first: nothing but banners above it.
    const first = await desk.locator('main > section').first().getAttribute('class');
    expect(first).toBe('headline');
    expect(await desk.locator('.headline > p.hint').innerText()).toContain(
      `${usd(t.missedJw.value).replace('*', '')} + ${usd(t.underBilled.value).replace('*', '')} + ${usd(t.wrongCode.value).replace('*', '')} + ${usd(t.missingJzValue.value).replace('*', '')} = ${usd(t.recoverableValue).replace('*', '')}`,
    );
    // Which quarter's limits priced it.
    expect(await figure(desk, 'priced-with')).toBe('Priced with the 2026Q1 CMS payment limits.');
    // Beside the headline, not in it.
    expect(await figure(desk, 'over-value')).toBe(usd(t.overBilled.value));
    expect(await figure(desk, 'gaps')).toBe(int(t.gaps));
    expect(await figure(desk, 'at-risk')).toContain(usd(t.revenueAtRisk));
  });

  it('shows the detail figures, the gaps and the wrong codes', async () => {
    const t = fixture.answers.totals;
    expect(await figure(desk, 'encounters')).toBe(int(t.encounters));
    expect(await figure(desk, 'missed-jw-units')).toBe(int(t.missedJw.units));
    expect(await figure(desk, 'under-units')).toBe(int(t.underBilled.units));
    expect(await figure(desk, 'over-units')).toBe(int(t.overBilled.units));
    expect(await figure(desk, 'wrong-codes')).toBe(int(t.wrongCodes));
    expect(await figure(desk, 'missing-jz')).toBe(int(t.missingJz));
    expect(await desk.locator('h1').innerText()).toContain(
      `${fixture.answers.range.since} to ${fixture.answers.range.until}`,
    );
    expect(await desk.locator('[data-figure="illustrative"]').count()).toBe(0);
    const gapRows = await desk.locator('#gaps-by-code tbody tr').allInnerTexts();
    expect(gapRows).toHaveLength(Object.keys(t.gapsByCode).length);
    const mismatch = t.gapsByCode['charge-code-mismatch'];
    expect(gapRows.find((r) => r.startsWith('charge-code-mismatch'))).toContain(int(mismatch?.count ?? -1));
    const code = 'J2919';
    expect(await desk.locator('#wrong-codes tbody tr').first().innerText()).toMatch(
      new RegExp(`J1250\\s+${code}\\s+\\d+`),
    );
    expect(await desk.locator('#pricing tbody tr').first().innerText()).toMatch(/^2026Q1\s+2026Q1/);
  });

  it('draws the bars by code as text and the chart over time as inline SVG (wide at a desk)', async () => {
    expect(await desk.locator('ul.bars li').first().innerText()).toMatch(/^J1745/);
    const wide = desk.locator('svg.chart.wide');
    expect(await wide.isVisible()).toBe(true);
    expect(await desk.locator('svg.chart.narrow').isVisible()).toBe(false);
    expect(await wide.locator('rect').count()).toBeGreaterThan(10);
    expect((await wide.boundingBox())?.width ?? 0).toBeGreaterThan(600);
    // Full dates, with the year, on the axis.
    expect(await wide.locator('text.tick').allTextContents()).toContain(fixture.answers.range.since);
  });

  /** What pans the page sideways, and the smallest text it renders (HTML and SVG, as drawn). */
  const layout = (page: Page) =>
    page.evaluate(() => {
      const texts = [...document.querySelectorAll('body *')].filter(
        (e) =>
          [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent?.trim()) &&
          e.getClientRects().length > 0 &&
          getComputedStyle(e).visibility !== 'hidden',
      );
      const size = (e: Element) => {
        const svg = e instanceof SVGElement ? e.ownerSVGElement : null;
        const scale = svg ? svg.getBoundingClientRect().width / svg.viewBox.baseVal.width : 1;
        return parseFloat(getComputedStyle(e).fontSize) * scale;
      };
      const smallest = texts.reduce<{ px: number; text: string }>(
        (m, e) => (size(e) < m.px ? { px: size(e), text: (e.textContent ?? '').slice(0, 40) } : m),
        { px: Infinity, text: '' },
      );
      // Labels drawn by CSS (the cards' field names) are text too.
      const labels = [...document.querySelectorAll('td[data-label]')]
        .filter((e) => e.getClientRects().length > 0 && getComputedStyle(e, '::before').content !== 'none')
        .map((e) => parseFloat(getComputedStyle(e, '::before').fontSize));
      return {
        page: document.documentElement.scrollWidth,
        view: window.innerWidth,
        // Elements whose right edge leaves the screen, outside the boxes that scroll on their own.
        escaping: [...document.querySelectorAll('body *')]
          .filter((e) => !e.closest('.scroll'))
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
          .map((e) => e.tagName + (e.className ? `.${String(e.className)}` : '')),
        smallest,
        smallestLabel: labels.length ? Math.min(...labels) : undefined,
      };
    });

  it.each([
    ['on a desk (1440x900)', () => desk, 1440, 900],
    ['on a phone (390x844)', () => phone, 390, 844],
  ] as const)(
    '%s: no sideways panning, no text under 11 px, the headline on the first screen',
    async (_size, get, width, height) => {
      const page = get();
      const l = await layout(page);
      expect(l.page).toBeLessThanOrEqual(l.view);
      expect(l.escaping).toEqual([]);
      expect(l.smallest.px, l.smallest.text).toBeGreaterThanOrEqual(11);
      if (l.smallestLabel !== undefined) expect(l.smallestLabel).toBeGreaterThanOrEqual(11);
      // The headline: its figure large, whole and on the first screen, with its parts and how
      // they were priced readable beside it.
      const big = page.locator('[data-figure="recoverable"]');
      const box = await big.boundingBox();
      expect(box).not.toBeNull();
      expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(width);
      expect((box?.y ?? 0) + (box?.height ?? 0)).toBeLessThanOrEqual(height);
      expect(await big.evaluate((e) => parseFloat(getComputedStyle(e).fontSize))).toBeGreaterThanOrEqual(32);
      expect(await big.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
      for (const id of [
        'missed-jw-value',
        'under-value',
        'wrong-code-value',
        'missing-jz-value',
        'priced-with',
      ]) {
        const part = await page.locator(`[data-figure="${id}"]`).boundingBox();
        expect((part?.x ?? 0) + (part?.width ?? 999), id).toBeLessThanOrEqual(width);
      }
    },
  );

  it('on a phone: tiles that wrap, chart text at 11 px or more, wide tables as cards', async () => {
    // The tiles wrap onto several rows, two at most side by side.
    const tops = await phone
      .locator('.tile')
      .evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
    const perRow = Math.max(...[...new Set(tops)].map((t) => tops.filter((x) => x === t).length));
    expect(new Set(tops).size).toBeGreaterThan(2);
    expect(perRow).toBeLessThanOrEqual(2);
    // Nothing spills out of its tile.
    const spilling = await phone
      .locator('.tile .value, .part-value, .bars li > span')
      .evaluateAll((els) =>
        els
          .filter(
            (e) =>
              e.scrollWidth > e.clientWidth + 1 ||
              e.getBoundingClientRect().right > (e.parentElement?.getBoundingClientRect().right ?? 0) + 1,
          )
          .map((e) => e.textContent),
      );
    expect(spilling).toEqual([]);
    // Chart text: the narrow drawing is shown, and its text renders at 11 px or more.
    expect(await phone.locator('svg.chart.wide').isVisible()).toBe(false);
    const sizes = await phone.locator('svg.chart.narrow').evaluate((svg) => {
      const scale = svg.getBoundingClientRect().width / (svg as SVGSVGElement).viewBox.baseVal.width;
      return [...svg.querySelectorAll('text')].map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
    });
    expect(sizes.length).toBeGreaterThan(3);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(11);
    // The wide tables' rows are cards of labelled values: nothing hides off to the side, not even
    // inside a box that scrolls (at a desk they stay tables).
    for (const id of ['by-code', 'gaps-by-code', 'top-encounters']) {
      const box = phone.locator('.scroll').filter({ has: phone.locator(`#${id}`) });
      expect(await box.evaluate((e) => e.scrollWidth <= e.clientWidth + 1), id).toBe(true);
      // The header row is kept for screen readers, in a 1 px clipped box.
      expect((await phone.locator(`#${id} thead`).boundingBox())?.height, id).toBeLessThanOrEqual(1);
      expect((await desk.locator(`#${id} thead`).boundingBox())?.height, id).toBeGreaterThan(10);
    }
    const card = await phone.locator('#by-code tbody tr').first().innerText();
    expect(card).toMatch(/J1745/);
    expect(
      await phone
        .locator('#by-code tbody tr td')
        .nth(2)
        .evaluate((e) => getComputedStyle(e, '::before').content),
    ).toBe('"Units documented"');
    // An encounter's card leaves out its zero figures; the table at a desk shows them.
    const zero = phone.locator('#top-encounters td.zero').first();
    expect(await zero.isVisible()).toBe(false);
    expect(await desk.locator('#top-encounters td.zero').first().isVisible()).toBe(true);
  });

  it('loads nothing but itself: no request leaves the page, no console error', async () => {
    const own = pathToFileURL(report).href;
    expect(new Set(requested)).toEqual(new Set([own]));
    expect(refused).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await desk.screenshot({ path: join(ARTIFACTS, 'audit-report.png'), fullPage: true });
    await phone.screenshot({ path: join(ARTIFACTS, 'audit-report-390.png'), fullPage: true });
  });
});

if (!hasChromium) {
  describe('the HTML report in Chromium', () => {
    it.skip(`needs ${CHROMIUM}: apt-get install -y chromium`, () => undefined);
  });
}
