/**
 * The revenue-cycle dashboard for a range of dates of service: every figure and chart counts by
 * date of service. Claims, lines (lines of vialwise Claims), billed value, JW captured, revenue
 * at risk by queue and by gap, recovered revenue, gaps and lines per date of service, top codes;
 * the same figures as CSV.
 */
import { ApiError, download, getJson, query } from './api.js';
import { bar, dosChart } from './charts.js';
import { errorBox, field, h, int, plural, priceNotice, replace, usd } from './dom.js';
import { basisLegend, basisLine, basisWords, combineBases } from './money.js';

/**
 * @typedef {import('../contract.ts').Dashboard} Dashboard
 * @typedef {import('../contract.ts').PriceBasis} PriceBasis
 */

/**
 * @param {string} label
 * @param {string} value
 * @param {string} [sub]
 * @param {string} [key]
 * @param {PriceBasis} [basis]
 */
function kpi(label, value, sub, key, basis) {
  return h(
    'div',
    { class: 'kpi', 'data-kpi': key ?? null },
    h('dt', null, label),
    h(
      'dd',
      null,
      h('span', { class: 'kpi__value' }, value),
      sub ? h('span', { class: 'kpi__sub' }, sub) : null,
      basisLine(basis),
    ),
  );
}

/**
 * @param {Dashboard} d
 * @param {(n: number) => string} money
 */
function kpis(d, money) {
  const statuses = Object.entries(d.claimsByStatus)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  return h(
    'dl',
    { class: 'kpis' },
    kpi('Claims drafted', int(d.claimsDrafted), statuses || undefined, 'claims'),
    kpi(
      'Lines',
      int(d.lines),
      `${plural(d.units, 'unit')} on Claims${d.unpricedLines ? `, ${d.unpricedLines} unpriced` : ''}`,
      'lines',
    ),
    kpi(
      'Billed value',
      money(d.billedValue),
      plural(d.lines - d.unpricedLines, 'priced line'),
      'billed',
      d.basis.billed,
    ),
    kpi(
      'JW units captured',
      int(d.jwUnits),
      `${money(d.jwValue)} on ${plural(d.jwLines, 'JW line')}; ${plural(d.jzLines, 'JZ line')}`,
      'jw',
      d.basis.jw,
    ),
    kpi('Revenue at risk', money(d.atRisk), plural(d.openGaps, 'open gap'), 'at-risk', d.basis.atRisk),
    kpi(
      'Recovered',
      money(d.recovered),
      `${plural(d.gapsClosed, 'gap')} closed by documentation, of ${int(d.gapsFound)} found`,
      'recovered',
      d.basis.recovered,
    ),
  );
}

/**
 * A cell with a bar and its figure written beside it; the figure's basis under it when it differs
 * from the table's (`common`), which the total or the legend says.
 * @param {Element | null} drawn
 * @param {string} text
 * @param {PriceBasis} [basis]
 * @param {PriceBasis} [common]
 */
function barCell(drawn, text, basis, common) {
  const differs = basisWords(basis).join() !== basisWords(common).join();
  return h(
    'td',
    null,
    h('div', { class: 'bar-cell' }, drawn, h('span', { class: 'bar-cell__value' }, text)),
    differs ? basisLine(basis) : null,
  );
}

/**
 * Revenue at risk by gap code: a table with a bar per row.
 * @param {Dashboard} d
 * @param {(n: number) => string} money
 */
function atRiskByGap(d, money) {
  if (!d.atRiskByCode.length) return h('p', { class: 'empty' }, 'No open gaps in this range.');
  const max = Math.max(...d.atRiskByCode.map((g) => g.atRisk));
  return h(
    'table',
    { class: 'bars', id: 'at-risk-by-code' },
    h('caption', null, 'Open gaps and their revenue at risk, by gap'),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Gap'),
        h('th', { scope: 'col', class: 'num' }, 'Open'),
        h('th', { scope: 'col' }, d.pricesIllustrative ? 'At risk (illustrative)' : 'At risk'),
      ),
    ),
    h(
      'tbody',
      null,
      d.atRiskByCode.map((g) =>
        h(
          'tr',
          { 'data-code': g.code },
          h('th', { scope: 'row' }, g.display, h('code', { class: 'gap__code' }, g.code)),
          h('td', { class: 'num' }, int(g.open)),
          barCell(
            bar(g.atRisk, max),
            g.estimated ? money(g.atRisk) : 'not estimated',
            g.basis,
            d.basis.atRisk,
          ),
        ),
      ),
    ),
    h(
      'tfoot',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'row' }, 'Total'),
        h('td', { class: 'num' }, int(d.openGaps)),
        barCell(null, money(d.atRisk), d.basis.atRisk),
      ),
    ),
  );
}

/**
 * @param {Dashboard} d
 * @param {(n: number) => string} money
 */
function byQueue(d, money) {
  const max = Math.max(0, ...d.byQueue.map((q) => q.atRisk));
  return h(
    'table',
    { class: 'bars', id: 'at-risk-by-queue' },
    h('caption', null, 'Open gaps and their revenue at risk, by queue'),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Queue'),
        h('th', { scope: 'col', class: 'num' }, 'Open'),
        h('th', { scope: 'col' }, d.pricesIllustrative ? 'At risk (illustrative)' : 'At risk'),
      ),
    ),
    h(
      'tbody',
      null,
      d.byQueue.map((q) =>
        h(
          'tr',
          { 'data-queue': q.id },
          h('th', { scope: 'row' }, q.label),
          h('td', { class: 'num' }, int(q.open)),
          barCell(bar(q.atRisk, max), money(q.atRisk), q.basis, d.basis.atRisk),
        ),
      ),
    ),
  );
}

/**
 * @param {Dashboard} d
 * @param {(n: number) => string} money
 */
function topCodes(d, money) {
  if (!d.topCodes.length) return h('p', { class: 'empty' }, 'No billed lines in this range.');
  const max = Math.max(...d.topCodes.map((c) => c.value));
  return h(
    'table',
    { class: 'bars', id: 'top-codes' },
    h('caption', null, 'HCPCS codes by billed value'),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Code'),
        h('th', { scope: 'col' }, d.pricesIllustrative ? 'Billed value (illustrative)' : 'Billed value'),
      ),
    ),
    h(
      'tbody',
      null,
      d.topCodes.map((c) =>
        h(
          'tr',
          { 'data-code': c.code },
          h(
            'th',
            { scope: 'row' },
            h('code', null, c.code),
            h(
              'span',
              { class: 'sub' },
              `${plural(c.lines, 'line')}, ${plural(c.units, 'unit')}${c.jwUnits ? `, ${int(c.jwUnits)} JW` : ''}`,
            ),
          ),
          // Each code's own basis: a code's charges may come from the chargemaster, another's not.
          barCell(bar(c.value, max), money(c.value), c.basis),
        ),
      ),
    ),
  );
}

/**
 * @param {import('./app.js').ViewContext} ctx
 */
export async function renderDashboard(ctx) {
  const { main, route, signal, navigate } = ctx;
  document.title = 'Dashboard – vialwise';
  const range = { from: route.params.get('from') ?? undefined, to: route.params.get('to') ?? undefined };
  const from = h('input', { type: 'date', name: 'from', value: range.from ?? '' });
  const to = h('input', { type: 'date', name: 'to', value: range.to ?? '' });
  const formError = h('p', { class: 'form-error', role: 'alert', id: 'range-error', hidden: true });
  const csvStatus = h('div', { class: 'csv-status' });
  // Fetched with the API token (a plain link could not send it); the href is the same file.
  const csvLink = h(
    'a',
    { class: 'button button--secondary', href: `/api/ui/dashboard.csv${query(range)}`, download: '' },
    'Download CSV',
  );
  csvLink.addEventListener('click', (e) => {
    e.preventDefault();
    replace(csvStatus);
    download('/api/ui/dashboard.csv', range, 'vialwise-dashboard.csv').catch((/** @type {unknown} */ err) =>
      replace(csvStatus, errorBox(err)),
    );
  });
  const form = h(
    'form',
    { class: 'filters filters--inline', 'aria-label': 'Dates of service', novalidate: true },
    h(
      'div',
      { class: 'filters__grid' },
      field('d-from', 'From (date of service)', from),
      field('d-to', 'To (date of service)', to),
    ),
    formError,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, 'Show'), csvLink),
    csvStatus,
  );
  const body = h('div', { class: 'dashboard-body' });
  /** @param {string} message */
  const rangeError = (message) => {
    formError.hidden = false;
    replace(formError, message);
    for (const input of [from, to]) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', 'range-error');
    }
    // The figures of another range must not stay beside the error.
    replace(body, h('p', { class: 'empty' }, 'Fix the dates to see the figures.'));
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (from.value && to.value && from.value > to.value) {
      rangeError('The date range is reversed: “From” is after “To”.');
      from.focus();
      return;
    }
    navigate(`#/dashboard${query({ from: from.value || undefined, to: to.value || undefined })}`, {
      focus: '#dashboard-range',
    });
  });
  const lede = h('p', { class: 'lede', id: 'dashboard-range', tabindex: '-1' });
  replace(main, h('h1', { tabindex: '-1' }, 'Dashboard'), lede, form, body);

  /** @type {Dashboard} */
  let d;
  try {
    d = /** @type {Dashboard} */ (await getJson('/api/ui/dashboard', range));
  } catch (err) {
    if (signal.aborted) return;
    if (err instanceof ApiError && err.status === 400) {
      replace(lede, 'These dates cannot be shown.');
      rangeError(err.message);
      return;
    }
    throw err;
  }
  if (signal.aborted) return;
  // Illustrative amounts say so in the figure itself: they must never read as real money.
  const money = (/** @type {number} */ n) => `${usd(n)}${d.pricesIllustrative ? ' (illustrative)' : ''}`;
  const rangeText =
    d.range.from || d.range.to
      ? `${d.range.from ?? 'the first record'} to ${d.range.to ?? 'the latest record'}`
      : 'all dates';
  replace(
    lede,
    `Services from ${rangeText}. Every figure and chart counts by date of service: a line by the date it bills, a gap by the date of the administration it is about.`,
  );
  replace(
    body,
    priceNotice(d.priceNote),
    d.truncated
      ? h(
          'p',
          { class: 'notice', role: 'note' },
          'The FHIR server holds more records than the dashboard reads at once: the figures are incomplete.',
        )
      : null,
    h(
      'section',
      { 'aria-labelledby': 'kpi-h' },
      h('h2', { id: 'kpi-h' }, 'Summary'),
      kpis(d, money),
      basisLegend(
        combineBases([d.basis.billed, d.basis.jw, d.basis.atRisk, d.basis.recovered]),
        'dashboard-basis',
      ),
    ),
    h(
      'div',
      { class: 'side-by-side side-by-side--two' },
      h(
        'section',
        { 'aria-labelledby': 'gaps-chart-h', class: 'panel' },
        h('h2', { id: 'gaps-chart-h' }, 'Gaps by date of service'),
        dosChart({
          id: 'gaps-chart',
          title: 'Documentation gaps by date of service',
          unit: 'documentation gaps',
          series: d.series,
          layers: [
            { key: 'closed', className: 'chart__bar chart__bar--closed', label: 'Closed' },
            { key: 'open', className: 'chart__bar chart__bar--open', label: 'Open' },
          ],
        }),
      ),
      h(
        'section',
        { 'aria-labelledby': 'lines-chart-h', class: 'panel' },
        h('h2', { id: 'lines-chart-h' }, 'Lines by date of service'),
        dosChart({
          id: 'lines-chart',
          title: 'Claim lines by date of service',
          unit: 'Claim lines',
          series: d.series,
          layers: [{ key: 'lines', className: 'chart__bar chart__bar--lines', label: 'Lines' }],
        }),
      ),
    ),
    h(
      'div',
      { class: 'side-by-side side-by-side--three' },
      h(
        'section',
        { 'aria-labelledby': 'queue-h', class: 'panel' },
        h('h2', { id: 'queue-h' }, 'Revenue at risk by queue'),
        byQueue(d, money),
      ),
      h(
        'section',
        { 'aria-labelledby': 'risk-h', class: 'panel' },
        h('h2', { id: 'risk-h' }, 'Revenue at risk by gap'),
        atRiskByGap(d, money),
      ),
      h(
        'section',
        { 'aria-labelledby': 'codes-h', class: 'panel' },
        h('h2', { id: 'codes-h' }, 'Top codes'),
        topCodes(d, money),
      ),
    ),
  );
}
