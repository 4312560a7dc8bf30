/**
 * Every view of the web UI at a desktop (1440x900) and a phone (390x844) size, in Debian's
 * Chromium through playwright-core, against the real service and the embedded FHIR server with
 * the demo data: queues remembered by the browser, every column and action on screen, no sideways
 * panning, sorting, keyboard-only assignment, bulk acknowledgement with per-gap failures, the
 * worklist CSV, errors that replace stale results, visible confirmations, "Encounter not found",
 * and charts by date of service with readable text. Both sizes share one Chromium, each in a
 * context of its own. Screenshots go to test-artifacts/ui/ with VIALWISE_SCREENSHOTS=1.
 */
import { readFileSync } from 'node:fs';
import type { DetectedIssue, Task } from '@medplum/fhirtypes';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorklistPage } from '../../src/ui/contract.ts';
import {
  accessibilityProblems,
  CHROMIUM,
  dataInUrls,
  hasChromium,
  horizontalOverflow,
  recordRequests,
  screenshot,
  sharedChromium,
  smallestChartText,
  VIEWPORTS,
} from './browser-support.ts';
import { demoPatientData, fhir, search, startDemoService, type DemoService } from './support.ts';

const NOW = new Date('2026-12-01T15:00:00Z');

for (const [size, viewport] of Object.entries(VIEWPORTS)) {
  describe.skipIf(!hasChromium)(`web UI at ${size} size (${viewport.width}x${viewport.height})`, () => {
    const phone = viewport.width < 600;
    let demo: DemoService;
    let context: BrowserContext;
    let page: Page;
    let base: string;
    let requested: string[] = [];
    const pageErrors: string[] = [];

    const api = async (path: string) => (await (await fetch(`${base}${path}`)).json()) as WorklistPage;
    const rows = () => page.locator('table.worklist tbody tr.gap-row');
    const rowIds = (): Promise<string[]> =>
      rows().evaluateAll((trs) => trs.map((tr) => tr.id.slice('gap-'.length)));
    const shot = (name: string) => screenshot(page, `${size}-${name}`);
    const noSidewaysPanning = async () => {
      const o = await horizontalOverflow(page);
      expect(o.beyond, 'elements beyond the right edge').toEqual([]);
      expect(o.scrollWidth).toBeLessThanOrEqual(o.innerWidth);
    };

    /** A fresh load of a view (a goto that only changes the hash would keep the page). */
    async function open(hash: string, ready: string): Promise<void> {
      await page.goto('about:blank');
      await page.goto(`${base}/${hash}`);
      await page.locator(ready).first().waitFor();
    }

    async function chooseQueue(id: string): Promise<void> {
      await page.locator(`button.queue[data-queue="${id}"]`).click();
      await expect
        .poll(() => page.locator(`button.queue[data-queue="${id}"]`).getAttribute('aria-pressed'))
        .toBe('true');
      await page.locator('table.worklist, .results .empty').first().waitFor();
    }

    async function openFilters(): Promise<void> {
      const details = page.locator('details.filters__details');
      if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open)))
        await details.locator('summary').click();
    }

    beforeAll(async () => {
      demo = await startDemoService({}, { clock: () => NOW });
      base = demo.running.serviceUrl;
      context = await (await sharedChromium()).newContext({ viewport, acceptDownloads: true });
      // Every request is recorded; Chromium refuses any host but this machine's (sharedChromium).
      requested = recordRequests(context);
      page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
    }, 120_000);

    afterAll(async () => {
      await context?.close();
      await demo?.running.stop();
    });

    it('opens on the queue this browser chose, remembered without putting it in the address', async () => {
      await open('#/worklist', 'table.worklist');
      expect(await page.locator('button.queue[aria-pressed="true"]').getAttribute('data-queue')).toBe('all');
      await chooseQueue('charge-correction');
      const charges = await api('/api/ui/worklist?queue=charge-correction');
      expect(charges.rows.length).toBe(2);
      await expect.poll(rowIds).toEqual(charges.rows.map((r) => r.id));
      expect(await page.evaluate(() => window.localStorage.getItem('vialwise.queue'))).toBe(
        'charge-correction',
      );
      expect(page.url()).not.toMatch(/queue|charge-correction/);

      // A new visit opens on it.
      await open('#/worklist', 'table.worklist');
      expect(await page.locator('button.queue[aria-pressed="true"]').getAttribute('data-queue')).toBe(
        'charge-correction',
      );
      await expect.poll(rowIds).toEqual(charges.rows.map((r) => r.id));
      // The nurse's queue holds none of the charge reviewer's work.
      await chooseQueue('clinical-documentation');
      const codes = await rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-code')));
      expect(codes.length).toBeGreaterThan(0);
      for (const code of ['charge-code-mismatch', 'charge-modifier-missing', 'no-coverage'])
        expect(codes).not.toContain(code);
      const tabs = await page.locator('button.queue').allTextContents();
      expect(tabs.join(' ')).toMatch(
        /Clinical documentation\s*\d+.*Charge correction\s*2.*Registration and coverage\s*1.*All queues\s*\d+/,
      );
    });

    it('shows the patient, MRN, payer, date of service, aging, severity, what to document, risk, owner and the actions, without panning sideways', async () => {
      await open('#/worklist', 'table.worklist');
      await chooseQueue('all');
      const w = await api('/api/ui/worklist');
      await expect.poll(() => rows().count()).toBe(w.rows.length);
      const md = page.locator('tr.gap-row[data-code="missing-diagnosis"]');
      const text = (await md.textContent()) ?? '';
      for (const s of [
        'Demo Patient-NoDiagnosis',
        'DEMO-MRN-0005',
        'Medicare Part B (demo payer, synthetic)',
        '2026-11-10',
        '21 days',
        'High',
        'Missing diagnosis',
        'Link the diagnosis',
        '$2.11',
        'Unassigned',
      ])
        expect(text, s).toContain(s);
      // A CMS payment limit (asp-pricing-2026q1.csv, J2919 x8 at 0.264): no illustrative asterisk.
      expect(text).not.toContain('$2.11*');
      expect(await page.locator('tr.gap-row[data-code="no-coverage"]').textContent()).toContain(
        'No active coverage',
      );
      await noSidewaysPanning();
      // Every row's actions are on screen (no panning to reach them).
      for (const button of await page.locator('tr.gap-row button[data-action]').all()) {
        const box = await button.boundingBox();
        expect(box, 'action button laid out').not.toBeNull();
        expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= viewport.width).toBe(true);
        expect(await button.isVisible()).toBe(true);
      }
      const display = await md.evaluate((tr) => getComputedStyle(tr).display);
      const head = await page.locator('table.worklist thead').evaluate((t) => getComputedStyle(t).display);
      if (phone) {
        expect(display, 'rows are cards').toBe('block');
        expect(head).toBe('none');
        // Each cell says what it is.
        expect(
          await md.locator('[data-label="Payer"]').evaluate((td) => getComputedStyle(td, '::before').content),
        ).toBe('"Payer"');
      } else {
        expect(display).toBe('table-row');
        expect(head).toBe('table-header-group');
      }
      expect(await accessibilityProblems(page)).toEqual([]);
      await shot('worklist');
    });

    it('says how every amount was priced, in visible words and a legend, on every view', async () => {
      // The demo's dates of service are in 2026Q4; asp-pricing-2026q1.csv is the latest CMS file
      // loaded, so its limits stand in: "CMS 2026Q1 limit · estimate · earlier quarter".
      const words = 'CMS 2026Q1 limit · estimate · earlier quarter';
      /** Every basis line on screen: its text, whether it is visible, on screen, at 11 px or more. */
      const bases = () =>
        page.locator('.basis').evaluateAll((els) =>
          els.map((e) => {
            const r = e.getBoundingClientRect();
            return {
              text: e.textContent ?? '',
              shown: r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden',
              inside: r.left >= 0 && r.right <= window.innerWidth + 0.5,
              px: parseFloat(getComputedStyle(e).fontSize),
            };
          }),
        );
      const check = async (legendId: string, atLeast: number) => {
        const list = await bases();
        expect(list.length).toBeGreaterThanOrEqual(atLeast);
        for (const b of list) {
          expect(b.text).toBe(words);
          expect(b.shown && b.inside, b.text).toBe(true);
          expect(b.px).toBeGreaterThanOrEqual(11);
        }
        const legend = page.locator(`#${legendId}`);
        expect(await legend.isVisible()).toBe(true);
        const text = (await legend.textContent()) ?? '';
        expect(text).toContain('2026Q4, whose CMS limits are not loaded');
        expect(text).toContain('Estimate');
        await noSidewaysPanning();
      };

      await open('#/worklist?queue=charge-correction', 'table.worklist');
      await chooseQueue('charge-correction');
      // Each row's revenue at risk, and the total in the summary.
      const jw = page.locator('tr.gap-row[data-code="charge-modifier-missing"]');
      expect(await jw.textContent()).toContain(`$162.12${words}`);
      expect(await page.locator('#worklist-summary').textContent()).toContain(
        'at risk (CMS 2026Q1 limit, estimate, earlier quarter).',
      );
      await check('worklist-basis', 2);

      await open('#/encounter/demo-enc-09', '#reevaluate');
      // Two derived lines, two Claim lines and the gap (J1745 x35 and x5 at 32.423). The Claim
      // writes the limit to the cent per unit (docs/chargemaster.md): 32.42 x 40 = 1,296.80.
      await check('encounter-basis', 5);
      expect(await page.locator('main').textContent()).toContain(
        'total $1,296.80 (CMS 2026Q1 limit, estimate, earlier quarter)',
      );

      await open('#/dashboard', '.kpis');
      // Billed, JW and at risk (nothing recovered yet: no basis to state), and the total at risk.
      await check('dashboard-basis', 4);
      expect(await page.locator('[data-kpi="recovered"] .basis').count()).toBe(0);
      expect(await page.locator('[data-kpi="billed"]').textContent()).toContain(words);
      expect(await accessibilityProblems(page)).toEqual([]);
    });

    it('sorts by a column, from the header or the Sort by field', async () => {
      await open('#/worklist', 'table.worklist');
      await chooseQueue('all');
      const byAging = await api('/api/ui/worklist?sort=aging&dir=desc');
      if (phone) {
        await page.selectOption('#sort-by', 'aging');
        await page.selectOption('#sort-dir', 'desc');
      } else {
        await page.click('button.sort[data-sort="aging"]');
        await expect
          .poll(() => page.locator('th[aria-sort="ascending"] button.sort').getAttribute('data-sort'))
          .toBe('aging');
        await page.click('button.sort[data-sort="aging"]');
        await expect
          .poll(() => page.locator('th[aria-sort="descending"] button.sort').getAttribute('data-sort'))
          .toBe('aging');
      }
      await expect.poll(rowIds).toEqual(byAging.rows.map((r) => r.id));
      expect(page.url()).toContain('sort=aging&dir=desc');
      const byPatient = await api('/api/ui/worklist?sort=patient&dir=asc');
      await page.selectOption('#sort-by', 'patient');
      await page.selectOption('#sort-dir', 'asc');
      await expect.poll(rowIds).toEqual(byPatient.rows.map((r) => r.id));
      await noSidewaysPanning();
    });

    it('assigns a gap with the keyboard only, writes the Task, and shows the owner', async () => {
      await open('#/worklist?sort=severity&dir=asc', 'table.worklist');
      await chooseQueue('all');
      const first = rows().first();
      const id = (await first.getAttribute('id'))?.slice('gap-'.length) ?? '';
      const assign = first.locator('button[data-action="assign"]');
      await page.locator('body').focus();
      let reached = false;
      for (let i = 0; i < 150 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await assign.evaluate((el) => el === document.activeElement);
      }
      expect(reached, 'Tab reaches the Assign button').toBe(true);
      await page.keyboard.press('Enter');
      expect(await assign.getAttribute('aria-expanded')).toBe('true');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe(`assign-owner-${id}`);
      await page.keyboard.type('Demo Nurse-Bravo, RN (synthetic)');
      await page.keyboard.press('Enter');
      await expect
        .poll(() => first.locator('.owner-cell').textContent())
        .toContain('Demo Nurse-Bravo, RN (synthetic)');
      expect(await assign.evaluate((el) => el === document.activeElement)).toBe(true);
      await expect
        .poll(() => page.locator('#worklist-flash').textContent())
        .toContain('assigned to Demo Nurse-Bravo');
      expect(await page.locator('#worklist-flash .notice--success').isVisible()).toBe(true);
      const [task] = await search<Task>(
        demo.running,
        `Task?identifier=${encodeURIComponent(`https://vialwise.dev/fhir/sid/gap-assignment|${id}`)}`,
      );
      expect(task?.owner).toEqual({
        reference: 'Practitioner/demo-rn-bravo',
        display: 'Demo Nurse-Bravo, RN (synthetic)',
      });

      // Escape closes a form and gives focus back to the button that opened it.
      const ack = first.locator('button[data-action="acknowledge"]');
      await ack.focus();
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe(`ack-clinician-${id}`);
      await page.keyboard.press('Escape');
      expect(await ack.evaluate((el) => el === document.activeElement)).toBe(true);
      expect(await page.locator('tr.form-row:not([hidden])').count()).toBe(0);
      await noSidewaysPanning();
    });

    it('acknowledges several gaps at once and says which could not be, and why', async () => {
      await open('#/worklist', 'table.worklist');
      await chooseQueue('clinical-documentation');
      const [a, b] = await rowIds();
      if (!a || !b) throw new Error('two clinical gaps expected');
      await page.locator(`#gap-${a} input.select-row`).check();
      await page.locator(`#gap-${b} input.select-row`).check();
      await expect.poll(() => page.locator('.bulk__count').textContent()).toBe('2 selected');
      // Someone else writes the second gap after the page loaded it.
      const changed = (await fhir<DetectedIssue>(demo.running, 'GET', `DetectedIssue/${b}`)).body;
      await fhir(demo.running, 'PUT', `DetectedIssue/${b}`, {
        ...changed,
        detail: `${changed.detail ?? ''} `,
      });
      await page.click('button:has-text("Acknowledge selected")');
      await page.locator('#ack-clinician-bulk').fill('Demo Nurse-Alpha, RN (synthetic)');
      await page.locator('#ack-note-bulk').fill('Charting the missing facts this morning');
      await noSidewaysPanning();
      await shot('bulk-acknowledge');
      await page.click('.bulk-panel button[type="submit"]');
      const flash = page.locator('#worklist-flash');
      await expect
        .poll(() => flash.textContent())
        .toContain('1 gap acknowledged. 1 could not be acknowledged:');
      expect(await flash.textContent()).toMatch(/changed since the page loaded it: reload and try again/);
      expect(await flash.locator('.notice').isVisible()).toBe(true);
      // Focus moves to the result once the list is read again.
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.classList.contains('notice')))
        .toBe(true);
      const after = (id: string) => fhir<DetectedIssue>(demo.running, 'GET', `DetectedIssue/${id}`);
      expect((await after(a)).body.mitigation?.at(-1)?.action?.text).toBe(
        'Charting the missing facts this morning',
      );
      expect((await after(b)).body.mitigation ?? []).toEqual(changed.mitigation ?? []);
      // The list was read again: the acknowledged gap shows it, nothing stays selected.
      await expect
        .poll(() => page.locator(`#gap-${a} .acks`).textContent())
        .toContain('Acknowledged by Demo Nurse-Alpha');
      expect(await page.locator('input.select-row:checked').count()).toBe(0);
    });

    it('downloads the filtered list as CSV', async () => {
      await open('#/worklist', 'table.worklist');
      await chooseQueue('charge-correction');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('button:has-text("Download CSV")'),
      ]);
      expect(download.suggestedFilename()).toBe('vialwise-worklist-charge-correction-2026-12-01.csv');
      const lines = readFileSync((await download.path()) ?? '', 'utf8')
        .trimEnd()
        .split('\r\n');
      expect(lines[0]).toMatch(/^gap_id,queue,severity,gap_code,gap,what_to_document,patient,mrn,/);
      expect(lines).toHaveLength(1 + (await api('/api/ui/worklist?queue=charge-correction')).matched);
      expect(lines.slice(1).every((l) => l.includes(',Charge correction,'))).toBe(true);
    });

    it('replaces stale results with the error of a reversed date range, on the worklist and the dashboard', async () => {
      await open('#/worklist', 'table.worklist');
      await chooseQueue('all');
      await openFilters();
      await page.fill('#f-from', '2026-11-30');
      await page.fill('#f-to', '2026-11-01');
      await page.click('button:has-text("Apply filters")');
      await expect.poll(() => page.locator('#filter-error').textContent()).toContain('reversed');
      expect(await page.locator('#filter-error').isVisible()).toBe(true);
      expect(await page.locator('table.worklist').count()).toBe(0);
      expect(await page.locator('#worklist-summary').textContent()).toBe('No results to show.');
      expect(await page.locator('#f-from').getAttribute('aria-invalid')).toBe('true');
      await noSidewaysPanning();

      await open('#/dashboard', '.kpis');
      await page.fill('#d-from', '2026-11-30');
      await page.fill('#d-to', '2026-11-01');
      await page.click('button:has-text("Show")');
      await expect.poll(() => page.locator('#range-error').textContent()).toContain('reversed');
      expect(await page.locator('.kpis').count()).toBe(0);

      // The same range in the address: the service refuses it and the page says why.
      await open('#/dashboard?from=2026-11-30&to=2026-11-01', '#range-error:not([hidden])');
      expect(await page.locator('#range-error').textContent()).toContain('reversed');
      expect(await page.locator('.kpis').count()).toBe(0);
      expect(await page.locator('h1').textContent()).toBe('Dashboard');
      await noSidewaysPanning();
    });

    it('re-evaluates an encounter and confirms it on screen', async () => {
      await open('#/encounter/demo-enc-09', '#reevaluate');
      await page.locator('#reevaluate').focus();
      await page.keyboard.press('Enter');
      const done = page.locator('#reevaluate-status .notice--success');
      await done.waitFor();
      expect(await done.textContent()).toMatch(/^Re-evaluated at \d\d:\d\d UTC: /);
      expect(await done.isVisible()).toBe(true);
      expect(await page.locator('#reevaluate').evaluate((el) => el === document.activeElement)).toBe(true);
      await noSidewaysPanning();
      expect(await accessibilityProblems(page)).toEqual([]);
      await shot('encounter');
    });

    it('says "Encounter not found" in words for an unknown encounter', async () => {
      await open('#/encounter/no-such-encounter', '#not-found');
      expect(await page.locator('h1').textContent()).toBe('Encounter not found');
      const text = (await page.locator('main').textContent()) ?? '';
      expect(text).toContain('The FHIR server has no encounter “no-such-encounter”');
      expect(text).not.toMatch(/Something went wrong|could not be loaded/);
      expect(await page.locator('main a:has-text("Back to the worklist")').count()).toBe(1);
      await noSidewaysPanning();
      expect(await accessibilityProblems(page)).toEqual([]);
    });

    it('draws the dashboard by date of service: full dates, bars, text of at least 11 px, no panning', async () => {
      await open('#/dashboard', '#gaps-chart svg.chart');
      await page.locator('#lines-chart svg.chart').waitFor();
      expect(await smallestChartText(page)).toBeGreaterThanOrEqual(11);
      const labels = await page
        .locator('#gaps-chart svg.chart text')
        .evaluateAll((ts) => ts.map((t) => t.textContent ?? ''));
      const dates = labels.filter((l) => l.includes('-'));
      expect(dates.length).toBeGreaterThan(1);
      for (const d of dates) expect(d).toMatch(/^2026-\d\d-\d\d$/);
      // Date labels never overlap.
      const boxes = await page
        .locator('#gaps-chart svg.chart text')
        .evaluateAll((ts) =>
          ts.filter((t) => (t.textContent ?? '').includes('-')).map((t) => t.getBoundingClientRect()),
        );
      for (let i = 1; i < boxes.length; i++)
        expect(boxes[i]?.left ?? 0).toBeGreaterThanOrEqual((boxes[i - 1]?.right ?? 0) + 1);
      expect(await page.locator('#at-risk-by-code svg.bar').count()).toBeGreaterThan(0);
      expect(await page.locator('#top-codes svg.bar').count()).toBeGreaterThan(0);
      expect(await page.locator('#at-risk-by-queue svg.bar').count()).toBe(3);
      // The chart describes the same open gaps as the figure beside it.
      const openGaps = (await page.locator('[data-kpi="at-risk"] .kpi__sub').textContent())?.match(
        /^(\d+) open gap/,
      )?.[1];
      expect(await page.locator('#gaps-chart desc').textContent()).toContain(`, ${openGaps} open.`);
      await noSidewaysPanning();
      // Redrawn at its new width when the window changes (on the next frame): its text stays readable.
      await page.setViewportSize({ width: Math.round(viewport.width * 0.8), height: viewport.height });
      const drawnAtShownWidth = () =>
        page
          .locator('#gaps-chart svg.chart')
          .evaluate(
            (svg) =>
              Math.abs(svg.getBoundingClientRect().width - (svg as SVGSVGElement).viewBox.baseVal.width) < 1,
          );
      await expect.poll(drawnAtShownWidth).toBe(true);
      expect(
        await page.locator('#gaps-chart svg.chart').evaluate((s) => s.getBoundingClientRect().width),
      ).toBeLessThan(viewport.width * 0.8);
      expect(await smallestChartText(page)).toBeGreaterThanOrEqual(11);
      await page.setViewportSize(viewport);
      expect(await accessibilityProblems(page)).toEqual([]);
      await shot('dashboard');
    });

    it('reaches every control of every view with Tab alone, each focused one on screen and outlined', async () => {
      for (const [hash, ready] of [
        ['#/worklist', 'table.worklist'],
        ['#/encounter/demo-enc-09', '#reevaluate'],
        ['#/encounter/no-such-encounter', '#not-found'],
        ['#/dashboard', '#gaps-chart svg.chart'],
      ] as const) {
        await open(hash, ready);
        // The page's own styles are in force (an unstyled page passes many checks): what is only
        // for screen readers takes no room, and the header has its colour.
        const hidden = await page
          .locator('.visually-hidden')
          .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
        for (const w of hidden) expect(w).toBeLessThanOrEqual(1);
        expect(
          await page
            .locator('header')
            .first()
            .evaluate((e) => getComputedStyle(e).backgroundColor),
        ).not.toBe('rgba(0, 0, 0, 0)');
        // Every control a mouse could use, visible now (folded filters and closed forms aside).
        const controls = await page
          .locator(
            'a[href], button:not([disabled]), input:not([type="hidden"]), select, textarea, summary, [tabindex="0"]',
          )
          .evaluateAll((els) =>
            els
              .filter((e) => e.checkVisibility({ visibilityProperty: true }))
              .map((e, i) => {
                e.setAttribute('data-kbd', String(i));
                return `${i} ${e.tagName} ${e.id} ${(e.textContent ?? '').trim().slice(0, 20)}`;
              }),
          );
        expect(controls.length, hash).toBeGreaterThan(2);
        await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
        const reached = new Set<string>();
        const problems: string[] = [];
        // A date field takes a Tab per part (month, day, year): allow a few per control.
        for (let i = 0; i < controls.length * 4 + 10 && reached.size < controls.length; i++) {
          await page.keyboard.press('Tab');
          const f = await page.evaluate(() => {
            const e = document.activeElement as HTMLElement | null;
            if (!e || e === document.body) return undefined;
            e.scrollIntoView({ block: 'nearest', inline: 'nearest' });
            const r = e.getBoundingClientRect();
            const cs = getComputedStyle(e);
            return {
              id: e.getAttribute('data-kbd') ?? undefined,
              name: `${e.tagName} ${e.getAttribute('type') ?? ''} ${e.id} ${(e.textContent ?? '').trim().slice(0, 30)}`,
              onScreen: r.left >= -1 && r.right <= window.innerWidth + 1 && r.width > 0,
              outlined: cs.outlineStyle !== 'none' || cs.boxShadow !== 'none',
            };
          });
          if (!f) continue;
          if (f.id !== undefined) reached.add(f.id);
          if (!f.onScreen) problems.push(`${f.name} off screen`);
          if (!f.outlined) problems.push(`${f.name} without a focus ring`);
        }
        expect(problems, hash).toEqual([]);
        expect(
          controls.filter((c) => !reached.has(c.split(' ')[0] ?? '')),
          hash,
        ).toEqual([]);
        await noSidewaysPanning();
      }
    });

    it('talked to nothing but the service, kept patient data out of URLs, and threw no errors', () => {
      expect(requested.filter((url) => !url.startsWith(base + '/'))).toEqual([]);
      expect(dataInUrls(requested, demoPatientData())).toEqual([]);
      expect(pageErrors).toEqual([]);
    });
  });
}

if (!hasChromium) {
  describe('web UI at both sizes', () => {
    it.skip(`needs ${CHROMIUM}: apt-get install -y chromium`, () => undefined);
  });
}
