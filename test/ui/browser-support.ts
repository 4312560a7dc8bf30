/** How the UI's browser tests and the screenshot script start Chromium, and the sizes they use. */
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`), driven through playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const hasChromium = existsSync(CHROMIUM);

/**
 * Chromium resolves no host but localhost and 127.0.0.1, where the tests' services listen (their
 * URLs say localhost): anything else fails before a connection is tried, as
 * `net::ERR_NAME_NOT_RESOLVED`. The rules apply to IP literals too: 127.0.0.2 and public addresses
 * fail the same way. Chromium's `--host-resolver-rules` switch (net/base/host_mapping_rules.h);
 * it keeps the pages inside the machine without intercepting their requests, where
 * `context.route` pauses each one for a round trip to Node (about 4 ms of CPU per request here,
 * some 400 requests per size in browser-views.test.ts).
 */
const LOOPBACK_ONLY = '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1';

let shared: Promise<Browser> | undefined;

/**
 * One Chromium for every browser test file a test worker runs (files share a worker's modules:
 * `isolate: false` in vitest.config.ts); each file opens contexts of its own and closes them.
 * Starting Chromium costs 3 to 4 s of CPU on the two shared cores, as much as a dozen page loads;
 * an idle browser without a context costs next to nothing (0.06 s of CPU in 30 s).
 *
 * It lives as long as the worker. Playwright's handler of the process's `exit` event kills it
 * and removes its temporary profile, but vitest stops a worker with SIGTERM and SIGKILL 500 ms
 * later, and Playwright's own SIGTERM handler only starts a graceful close, which can take
 * longer: the profile was left in /tmp. Exiting on SIGTERM runs that `exit` handler at once.
 */
export function sharedChromium(): Promise<Browser> {
  shared ??= chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, LOOPBACK_ONLY] }).then(
    (browser) => {
      browser.on('disconnected', () => (shared = undefined));
      if (!process.listeners('SIGTERM').includes(exit)) process.once('SIGTERM', exit);
      return browser;
    },
    (err: unknown) => {
      shared = undefined;
      throw err;
    },
  );
  return shared;
}

const exit = (): never => process.exit();

/** Every URL the context's pages request, blocked or not (the `request` event fires for both). */
export function recordRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (r) => urls.push(r.url()));
  return urls;
}

/** The URLs that name one of `data` (patient names, MRNs, birth dates), decoded, as "what in url". */
export function dataInUrls(urls: readonly string[], data: readonly string[]): string[] {
  return urls.flatMap((url) => {
    const decoded = decodeURIComponent(url);
    return data.filter((s) => decoded.includes(s)).map((s) => `${s} in ${url}`);
  });
}

const ARTIFACTS = new URL('../../test-artifacts/ui/', import.meta.url).pathname;

/**
 * A full-page screenshot of a test run to test-artifacts/ui/, only with VIALWISE_SCREENSHOTS=1: no
 * test reads them, and the screenshots in docs/ come from `npm run screenshots`. Each one costs
 * about 0.6 s of CPU (a full-page render and PNG encoding in Chromium, the image sent to Node).
 */
export async function screenshot(on: Page, name: string): Promise<void> {
  if (process.env.VIALWISE_SCREENSHOTS !== '1') return;
  mkdirSync(ARTIFACTS, { recursive: true });
  await on.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

/** A desktop and a phone (iPhone 12-15 class), the two sizes every view is tested and shown at. */
export const VIEWPORTS = {
  desktop: { width: 1440, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

/** WCAG checks the browser can do: landmarks, one h1, labels, captions, names, text contrast. */
export async function accessibilityProblems(on: Page): Promise<string[]> {
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

/**
 * What makes the page pan sideways: the page's scroll width against the window's, and the
 * elements whose right edge lies beyond it (none may, `display: none` and clipped ones aside).
 */
export async function horizontalOverflow(
  on: Page,
): Promise<{ scrollWidth: number; innerWidth: number; beyond: string[] }> {
  return on.evaluate(() => {
    const beyond: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (!r.width || r.right <= window.innerWidth + 0.5) continue;
      // Inside something that clips (a scrolling table wrapper): it does not widen the page.
      let clipped = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (
          (o === 'auto' || o === 'hidden' || o === 'scroll' || o === 'clip') &&
          p.getBoundingClientRect().right <= window.innerWidth + 0.5
        ) {
          clipped = true;
          break;
        }
      }
      if (!clipped)
        beyond.push(
          `${el.tagName.toLowerCase()}.${el.getAttribute('class') ?? ''} right ${Math.round(r.right)}`,
        );
    }
    return {
      scrollWidth: document.scrollingElement?.scrollWidth ?? 0,
      innerWidth: window.innerWidth,
      beyond: beyond.slice(0, 10),
    };
  });
}

/** The smallest text in the page's SVG charts, in CSS pixels as shown (font size times the drawing's scale). */
export async function smallestChartText(on: Page): Promise<number> {
  return on.evaluate(() => {
    let smallest = Infinity;
    for (const text of document.querySelectorAll('svg.chart text')) {
      const svg = text.closest('svg');
      if (!svg) continue;
      const box = svg.viewBox.baseVal;
      const scale = box && box.width ? svg.getBoundingClientRect().width / box.width : 1;
      smallest = Math.min(smallest, parseFloat(getComputedStyle(text).fontSize) * scale);
    }
    return smallest;
  });
}
