/**
 * The self-contained HTML report: one file, inline CSS and SVG, no script, no font, no image,
 * and a Content-Security-Policy that forbids every fetch, so it opens from disk with no network.
 */
import type { AuditSummary, SourceStats } from './accumulate.ts';
import { escapeXml as esc, horizontalBars, PALETTE, stackedColumns, type Series } from './svg.ts';

export interface ReportMeta {
  readonly generatedAt: string;
  /** What was audited, e.g. "NDJSON files in exports/2026-q3". No patient data. */
  readonly source: string;
  readonly wrote: boolean;
  readonly stats: SourceStats;
}

export const ILLUSTRATIVE_NOTE =
  'ILLUSTRATIVE prices: not CMS payment limits. Dollar figures show the method, not real money.';

const usd = (n: number) =>
  `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const int = (n: number) => n.toLocaleString('en-US');

function figure(id: string, label: string, value: string, note = ''): string {
  return (
    `<div class="card"><div class="label">${esc(label)}</div>` +
    `<div class="value" data-figure="${id}">${esc(value)}</div>` +
    (note ? `<div class="note">${esc(note)}</div>` : '') +
    '</div>'
  );
}

interface TableOptions {
  /** Columns from this index on (up to numericTo, excluded) are right-aligned numbers. */
  readonly numericFrom: number;
  readonly numericTo?: number;
  readonly id: string;
  /** Extra class per column (`id` keeps a code on one line, `wide` gives text room). */
  readonly classes?: readonly string[];
}

function table(headers: readonly string[], rows: readonly (readonly string[])[], opts: TableOptions): string {
  const cls = (i: number) => {
    const numeric = i >= opts.numericFrom && i < (opts.numericTo ?? headers.length);
    const c = [numeric ? 'num' : '', opts.classes?.[i] ?? ''].filter(Boolean).join(' ');
    return c ? ` class="${c}"` : '';
  };
  const head = headers.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('');
  const body = rows.length
    ? rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${esc(c)}</td>`).join('')}</tr>`).join('')
    : `<tr><td colspan="${headers.length}" class="empty">none</td></tr>`;
  return `<div class="scroll"><table id="${opts.id}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function recoverableChart(s: AuditSummary): string {
  const priced = s.byCode.some((c) => c.recoverableValue > 0);
  const rows = s.byCode
    .filter((c) => (priced ? c.recoverableValue > 0 : c.missedJw.units + c.underBilled.units > 0))
    .slice(0, 12)
    .map((c) => ({
      label: c.code,
      sublabel: c.descriptor.replace(/^Injection, /, ''),
      values: priced ? [c.missedJw.value, c.underBilled.value] : [c.missedJw.units, c.underBilled.units],
    }));
  return horizontalBars(
    rows,
    [
      {
        label: priced ? 'JW waste not billed ($)' : 'JW waste not billed (units)',
        color: PALETTE[0] as string,
      },
      { label: priced ? 'units not billed ($)' : 'units not billed', color: PALETTE[1] as string },
    ],
    priced ? (n: number) => usd(n) + (s.pricesIllustrative ? '*' : '') : int,
    priced ? 'Value recoverable by HCPCS code' : 'Units recoverable by HCPCS code (no prices loaded)',
  );
}

function gapsChart(s: AuditSummary): string {
  const periods = s.gapsOverTime.periods;
  const codes = s.gapsByCode.map((g) => g.code);
  const shown = codes.slice(0, 8);
  const series: Series[] = shown.map((code, i) => ({
    label: code,
    color: PALETTE[i % PALETTE.length] as string,
    values: periods.map((p) => p.counts[code] ?? 0),
  }));
  if (codes.length > shown.length) {
    series.push({
      label: 'other gap codes',
      color: '#BBBBBB',
      values: periods.map((p) => codes.slice(8).reduce((n, c) => n + (p.counts[c] ?? 0), 0)),
    });
  }
  const label = (start: string) =>
    s.gapsOverTime.granularity === 'month' ? start.slice(0, 7) : start.slice(5);
  return stackedColumns(
    periods.map((p) => label(p.start)),
    series,
    `Open documentation gaps by code, per ${s.gapsOverTime.granularity}`,
    `gaps per ${s.gapsOverTime.granularity}`,
  );
}

const STYLE = `
:root { --ink:#1d2733; --muted:#5b6775; --line:#d9dee4; --bg:#f6f7f9; --accent:#0072B2; --warn:#8a5a00; --warnbg:#fff4d6; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color:var(--ink); background:var(--bg); }
header { background:#14263b; color:#fff; padding:20px 32px 16px; }
header h1 { margin:0 0 4px; font-size:22px; font-weight:600; }
header .meta { color:#c5d2e0; font-size:13px; }
main { max-width:1400px; margin:0 auto; padding:20px 32px 40px; }
.banner { background:var(--warnbg); color:var(--warn); border:1px solid #f0d38a; border-radius:6px; padding:10px 14px; margin:0 0 16px; font-weight:600; }
.warning { background:#fdecea; color:#8c1d18; border:1px solid #f3b8b3; border-radius:6px; padding:10px 14px; margin:0 0 16px; }
.cards { display:grid; grid-template-columns:repeat(6, 1fr); gap:12px; margin:0 0 20px; }
@media (max-width: 1100px) { .cards { grid-template-columns:repeat(3, 1fr); } }
@media (max-width: 640px) { .cards { grid-template-columns:repeat(2, 1fr); } }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
.card .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.03em; }
.card .value { font-size:24px; font-weight:650; margin-top:2px; font-variant-numeric: tabular-nums; white-space:nowrap; }
@media (min-width: 1101px) and (max-width: 1499px) { .card .value { font-size:20px; } }
.card .note { color:var(--muted); font-size:12px; }
.card.key { border-color:var(--accent); border-width:2px; }
section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 18px; margin:0 0 18px; }
section h2 { margin:0 0 10px; font-size:16px; }
section p.hint { margin:-4px 0 10px; color:var(--muted); font-size:13px; }
.grid2 { display:grid; grid-template-columns:1fr 1fr; gap:18px; }
@media (max-width: 1000px) { .grid2 { grid-template-columns:1fr; } }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { padding:6px 7px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
th { background:#f0f3f6; font-weight:600; }
.scroll { overflow-x:auto; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
td.num { white-space:nowrap; }
td.gaps { font-size:12px; white-space:nowrap; }
td.empty { color:var(--muted); text-align:center; }
.chart { width:100%; max-width:980px; height:auto; display:block; }
td.id { white-space:nowrap; }
table#top-encounters td.id:first-child, table#gaps-by-code td.id:first-child { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:12px; }
td.wide { min-width:170px; }
.chart .label { font-size:13px; font-weight:600; fill:var(--ink); }
.chart .sub, .chart .tick { font-size:11px; fill:var(--muted); }
.chart .value { font-size:12px; fill:var(--ink); }
.chart .legend { font-size:12px; fill:var(--ink); }
.chart .grid { stroke:#eceff2; }
.chart .axis { stroke:#9aa5b1; }
footer { color:var(--muted); font-size:12px; }
footer li { margin:2px 0; }
`;

export function renderHtml(s: AuditSummary, meta: ReportMeta): string {
  const t = s.totals;
  const ill = s.pricesIllustrative;
  const money = (n: number) => usd(n) + (ill ? '*' : '');
  const illNote = ill ? '* illustrative prices' : '';
  const banner = ill ? `<div class="banner" data-figure="illustrative">${esc(ILLUSTRATIVE_NOTE)}</div>` : '';
  const unpriced = t.unpricedUnits
    ? `<div class="banner">${esc(`${int(t.unpricedUnits)} unit(s) in findings have no payment limit for their quarter: they are counted, not valued. Load a price file with --prices.`)}</div>`
    : '';
  const broken = meta.stats.brokenLines
    ? `<div class="warning" data-figure="broken-lines">${esc(`${int(meta.stats.brokenLines)} input line(s) could not be read and were skipped; the figures leave them out. First: ${meta.stats.brokenLineSamples.slice(0, 3).join('; ')}`)}</div>`
    : '';
  const missingEnc = meta.stats.administrationsWithoutEncounterResource
    ? `<div class="warning">${esc(`${int(meta.stats.administrationsWithoutEncounterResource)} administration(s) point at an Encounter that is not in the input (or is filed under another patient): not audited.`)}</div>`
    : '';
  const nothingPosted =
    t.encountersWithNothingPosted > 0
      ? `${int(t.encountersWithNothingPosted)} encounter(s) with drug lines had no ChargeItem and no submitted Claim: all their units count as not billed.`
      : '';

  const cards = [
    figure(
      'encounters',
      'Encounters audited',
      int(t.encounters),
      `${int(t.administrations)} administrations`,
    ),
    figure('recoverable', 'Value recoverable', money(t.recoverableValue), 'JW waste + units not billed'),
    figure('missed-jw-units', 'Missed JW units', int(t.missedJw.units), `worth ${money(t.missedJw.value)}`),
    figure('missed-jw-value', 'Missed JW value', money(t.missedJw.value), illNote),
    figure(
      'under-units',
      'Under-billed units',
      int(t.underBilled.units),
      `worth ${money(t.underBilled.value)}`,
    ),
    figure(
      'over-units',
      'Over-billed units',
      int(t.overBilled.units),
      `${money(t.overBilled.value)} compliance risk`,
    ),
    figure('wrong-codes', 'Wrong codes posted', int(t.wrongCodes), `${int(t.wrongCodeUnits)} units`),
    figure('missing-jz', 'Missing JZ', int(t.missingJz), 'posted lines without JZ'),
    figure(
      'gaps',
      'Open documentation gaps',
      int(t.gaps),
      `in ${int(t.encountersWithFindings)} encounters with findings`,
    ),
    figure('at-risk', 'Revenue at risk', money(t.revenueAtRisk), 'sum over open gaps'),
    figure(
      'derived-units',
      'Units documented',
      int(t.derivedUnits),
      `+ ${int(t.jwUnits)} JW units; ${int(t.lines)} lines`,
    ),
    figure('derived-value', 'Value documented', money(t.derivedValue), illNote),
  ].join('');

  const byCodeRows = s.byCode.map((c) => [
    c.code,
    c.descriptor.replace(/^Injection, /, ''),
    int(c.derivedUnits),
    int(c.jwUnits),
    int(c.missedJw.units),
    money(c.missedJw.value),
    int(c.underBilled.units),
    money(c.underBilled.value),
    int(c.overBilled.units),
    money(c.overBilled.value),
    int(c.wrongCodes),
    int(c.missingJz),
    money(c.recoverableValue),
  ]);
  const gapRows = s.gapsByCode.map((g) => [
    g.code,
    g.display,
    g.severity,
    int(g.count),
    money(g.revenueAtRisk),
  ]);
  const pairRows = s.wrongCodePairs.map((p) => [p.posted, p.expected, int(p.count)]);
  const topRows = s.topEncounters.map((e) => [
    e.subject,
    e.dateOfService,
    `${e.payerCategory}${e.encounterClass ? ` / ${e.encounterClass}` : ''}`,
    e.postedSource,
    money(e.recoverableValue),
    int(e.missedJwUnits),
    int(e.underUnits),
    int(e.overUnits),
    int(e.wrongCodes),
    int(e.missingJz),
    money(e.revenueAtRisk),
    e.gaps.join(' '),
  ]);
  const sources = `${int(s.postedSources.claim)} compared with a submitted Claim, ${int(s.postedSources.charges)} with posted ChargeItems, ${int(s.postedSources.none)} with nothing posted`;
  const payers = Object.entries(s.payers)
    .map(([k, v]) => `${k} ${int(v)}`)
    .join(', ');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vialwise drug charge audit ${esc(s.range.since)} to ${esc(s.range.until)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Drug charge audit: ${esc(s.range.since)} to ${esc(s.range.until)}</h1>
<div class="meta">Source: ${esc(meta.source)} &middot; generated ${esc(meta.generatedAt)} by vialwise${meta.wrote ? ' &middot; draft Claims and DetectedIssues written to the FHIR server' : ''}</div>
</header>
<main>
${banner}${unpriced}${broken}${missingEnc}
<div class="cards">${cards}</div>
${nothingPosted ? `<div class="banner">${esc(nothingPosted)}</div>` : ''}
<section><h2>Value recoverable by code</h2><p class="hint">JW waste documented but not billed, and documented units not billed.</p>${recoverableChart(s)}</section>
<section><h2>Open documentation gaps over time</h2><p class="hint">By date of service; what clinicians still need to document.</p>${gapsChart(s)}</section>
<section><h2>By HCPCS code</h2>
${table(['Code', 'Descriptor', 'Units documented', 'JW units', 'Missed JW units', 'Missed JW value', 'Under-billed units', 'Under-billed value', 'Over-billed units', 'Over-billed value', 'Wrong codes', 'Missing JZ', 'Recoverable'], byCodeRows, { numericFrom: 2, id: 'by-code', classes: ['id', 'wide'] })}
</section>
<div class="grid2">
<section><h2>Documentation gaps by code</h2>
${table(['Gap', 'What', 'Severity', 'Open', 'Revenue at risk'], gapRows, { numericFrom: 3, id: 'gaps-by-code', classes: ['id'] })}
</section>
<section><h2>Wrong codes posted</h2><p class="hint">The code on the posted charge, and the code the documented drug bills as.</p>
${table(['Posted', 'Documented drug bills as', 'Charges'], pairRows, { numericFrom: 2, id: 'wrong-codes' })}
</section>
</div>
<section><h2>Encounters with the most at stake (top ${s.topEncounters.length})</h2><p class="hint">Every encounter is in the CSV and JSON reports.</p>
${table(['Encounter', 'Date of service', 'Payer / class', 'Compared with', 'Recoverable', 'Missed JW units', 'Under units', 'Over units', 'Wrong codes', 'Missing JZ', 'At risk', 'Gaps'], topRows, { numericFrom: 4, numericTo: 11, id: 'top-encounters', classes: ['id', 'id', 'id', '', '', '', '', '', '', '', '', 'gaps'] })}
</section>
<footer><ul>
<li>Encounters: ${esc(sources)}. Payers: ${esc(payers || 'none')}.</li>
<li>Input: ${esc(int(meta.stats.administrationsRead))} administrations read, ${esc(int(meta.stats.resourcesRead))} resources used, ${esc(int(meta.stats.ignoredResources))} ignored${meta.stats.brokenLines ? `, ${esc(int(meta.stats.brokenLines))} unreadable lines skipped` : ''}.</li>
<li>Units and gaps come from the vialwise engine (SPEC sections 4 and 5) applied to the whole of each encounter with an administration dated in the range. "Posted" is the Claim that has left draft when there is one, else the billable ChargeItems.</li>
<li>Revenue at risk adds up the open gaps' estimates; one line can be at risk for more than one gap. Prices: ${ill ? esc(ILLUSTRATIVE_NOTE) : 'payment limits of the catalog for each date of service quarter.'}</li>
</ul></footer>
</main>
</body>
</html>
`;
}
