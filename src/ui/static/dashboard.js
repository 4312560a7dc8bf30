/**
 * The revenue-cycle dashboard for a date range: claims, lines and units, JW captured, revenue at
 * risk by gap code, gaps opened and closed over time, top codes; the same figures as CSV.
 */
import { download, getJson, query } from './api.js';
import { gapsChart } from './chart.js';
import { errorBox, field, h, int, priceNotice, replace, usd } from './dom.js';

/**
 * @typedef {{ code: string, lines: number, units: number, jwUnits: number, value: number }} CodeFigures
 * @typedef {{ code: string, display: string, severity: string, open: number, estimated: number, atRisk: number }} GapFigures
 * @typedef {{ range: { from?: string, to?: string }, claimsDrafted: number, claimsByStatus: Record<string, number>, lines: number,
 *   units: number, billedValue: number, unpricedLines: number, jwLines: number, jwUnits: number, jwValue: number, jzLines: number,
 *   openGaps: number, atRisk: number, atRiskByCode: GapFigures[], gapsOpened: number, gapsClosed: number, recovered: number,
 *   series: { bucket: 'day' | 'week', points: { date: string, opened: number, closed: number }[] }, topCodes: CodeFigures[],
 *   pricesIllustrative: boolean, priceNote?: string, truncated: boolean }} Dashboard
 */

/**
 * @param {number} n
 * @param {string} word
 */
function plural(n, word) {
  return `${int(n)} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * @param {string} label
 * @param {string} value
 * @param {string} [sub]
 * @param {string} [key]
 */
function kpi(label, value, sub, key) {
  return h(
    'div',
    { class: 'kpi', 'data-kpi': key ?? null },
    h('dt', null, label),
    h(
      'dd',
      null,
      h('span', { class: 'kpi__value' }, value),
      sub ? h('span', { class: 'kpi__sub' }, sub) : null,
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
  const d = /** @type {Dashboard} */ (await getJson('/api/ui/dashboard', range));
  if (signal.aborted) return;
  const money = (/** @type {number} */ n) => `${usd(n)}${d.pricesIllustrative ? '*' : ''}`;
  const from = h('input', { type: 'date', name: 'from', value: range.from ?? '' });
  const to = h('input', { type: 'date', name: 'to', value: range.to ?? '' });
  // Fetched with the API token (a plain link could not send it); the href is the same file.
  const csvStatus = h('div', { class: 'csv-status' });
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
    { class: 'filters filters--inline', 'aria-label': 'Date range' },
    h(
      'div',
      { class: 'filters__grid' },
      field('d-from', 'From (date of service)', from),
      field('d-to', 'To (date of service)', to),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, 'Show'), csvLink),
    csvStatus,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    navigate(`#/dashboard${query({ from: from.value || undefined, to: to.value || undefined })}`, {
      focus: '#dashboard-range',
    });
  });
  const rangeText =
    d.range.from || d.range.to
      ? `${d.range.from ?? 'the first record'} to ${d.range.to ?? 'the latest record'}`
      : 'all dates';
  const statuses = Object.entries(d.claimsByStatus)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');

  replace(
    main,
    h('h1', { tabindex: '-1' }, 'Dashboard'),
    h(
      'p',
      { class: 'lede', id: 'dashboard-range', tabindex: '-1' },
      `Figures for ${rangeText}. Lines and revenue at risk count by date of service; the chart counts gaps by the day (UTC) they were opened and closed.`,
    ),
    priceNotice(d.priceNote),
    d.pricesIllustrative
      ? h('p', { class: 'muted' }, '* Amounts marked with an asterisk rest on illustrative prices.')
      : null,
    d.truncated
      ? h(
          'p',
          { class: 'notice', role: 'note' },
          'The FHIR server holds more records than the dashboard reads at once: the figures are incomplete.',
        )
      : null,
    form,
    h(
      'section',
      { 'aria-labelledby': 'kpi-h' },
      h('h2', { id: 'kpi-h' }, 'Summary'),
      h(
        'dl',
        { class: 'kpis' },
        kpi('Claims drafted', int(d.claimsDrafted), statuses || undefined, 'claims'),
        kpi(
          'Lines',
          int(d.lines),
          `${plural(d.units, 'unit')}${d.unpricedLines ? `, ${d.unpricedLines} unpriced` : ''}`,
          'lines',
        ),
        kpi('Billed value', money(d.billedValue), plural(d.lines - d.unpricedLines, 'priced line'), 'billed'),
        kpi(
          'JW units captured',
          int(d.jwUnits),
          `${money(d.jwValue)} on ${plural(d.jwLines, 'JW line')}; ${plural(d.jzLines, 'JZ line')}`,
          'jw',
        ),
        kpi('Revenue at risk', money(d.atRisk), plural(d.openGaps, 'open gap'), 'at-risk'),
        kpi(
          'Recovered',
          money(d.recovered),
          `${plural(d.gapsClosed, 'gap')} closed by documentation (${int(d.gapsOpened)} opened)`,
          'recovered',
        ),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'chart-h' },
      h('h2', { id: 'chart-h' }, 'Gaps opened and closed over time'),
      gapsChart(d.series, 'gaps-chart'),
    ),
    h(
      'div',
      { class: 'side-by-side side-by-side--two' },
      h(
        'section',
        { 'aria-labelledby': 'risk-h', class: 'panel' },
        h('h2', { id: 'risk-h' }, 'Revenue at risk by gap'),
        d.atRiskByCode.length
          ? h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'compact', id: 'at-risk-by-code' },
                h('caption', null, 'Open gaps and their revenue at risk, by gap code'),
                h(
                  'thead',
                  null,
                  h(
                    'tr',
                    null,
                    h('th', { scope: 'col' }, 'Gap'),
                    h('th', { scope: 'col', class: 'num' }, 'Open'),
                    h(
                      'th',
                      { scope: 'col', class: 'num' },
                      d.pricesIllustrative ? 'At risk (illustrative)' : 'At risk',
                    ),
                  ),
                ),
                h(
                  'tbody',
                  null,
                  d.atRiskByCode.map((g) =>
                    h(
                      'tr',
                      { 'data-code': g.code },
                      h('th', { scope: 'row' }, g.display, ' ', h('code', { class: 'gap__code' }, g.code)),
                      h('td', { class: 'num' }, int(g.open)),
                      h(
                        'td',
                        { class: 'num' },
                        g.estimated ? usd(g.atRisk) : h('span', { class: 'muted' }, 'not estimated'),
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
                    h('td', { class: 'num' }, usd(d.atRisk)),
                  ),
                ),
              ),
            )
          : h('p', { class: 'empty' }, 'No open gaps in this range.'),
      ),
      h(
        'section',
        { 'aria-labelledby': 'codes-h', class: 'panel' },
        h('h2', { id: 'codes-h' }, 'Top codes'),
        d.topCodes.length
          ? h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'compact', id: 'top-codes' },
                h('caption', null, 'HCPCS codes by billed value'),
                h(
                  'thead',
                  null,
                  h(
                    'tr',
                    null,
                    h('th', { scope: 'col' }, 'Code'),
                    h('th', { scope: 'col', class: 'num' }, 'Lines'),
                    h('th', { scope: 'col', class: 'num' }, 'Units'),
                    h('th', { scope: 'col', class: 'num' }, 'JW units'),
                    h(
                      'th',
                      { scope: 'col', class: 'num' },
                      d.pricesIllustrative ? 'Value (illustrative)' : 'Value',
                    ),
                  ),
                ),
                h(
                  'tbody',
                  null,
                  d.topCodes.map((c) =>
                    h(
                      'tr',
                      { 'data-code': c.code },
                      h('th', { scope: 'row' }, h('code', null, c.code)),
                      h('td', { class: 'num' }, int(c.lines)),
                      h('td', { class: 'num' }, int(c.units)),
                      h('td', { class: 'num' }, int(c.jwUnits)),
                      h('td', { class: 'num' }, usd(c.value)),
                    ),
                  ),
                ),
              ),
            )
          : h('p', { class: 'empty' }, 'No billed lines in this range.'),
      ),
    ),
  );
}
