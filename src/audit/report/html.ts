/**
 * The self-contained HTML report: one file, inline CSS and SVG, no script, no font, no image,
 * and a Content-Security-Policy that forbids every fetch, so it opens from disk with no network.
 *
 * It reads top down: one headline (what is recoverable this period, its four parts adding up to
 * it, and which quarter's payment limits priced it), what is beside it (over-billing, open
 * documentation gaps), then the detail. It is laid out for a phone as well as a desk: tiles and
 * bars wrap, wide tables scroll inside their own box, and the chart over time has a narrow
 * drawing whose text stays at 11 px or more at 390 px (docs/audit.md).
 */
import type { AuditSummary, Headline, PricingView } from '../accumulate.ts';
import { ILLUSTRATIVE_NOTE, type ReportMeta } from './files.ts';
import { escapeXml as esc, PALETTE, stackedColumns, type Series } from './svg.ts';
import { STYLE } from './html-style.ts';

const usd = (n: number) => {
  const cents = Math.sign(n) * Math.round(Math.abs(n) * 100 + 1e-6);
  return `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
};
const int = (n: number) => n.toLocaleString('en-US');

/**
 * Which limits priced the figures, in words: "Priced with the 2026Q1 CMS payment limits.", naming
 * a later date's fallback to the latest loaded quarter and the units no limit could value.
 */
export function pricingSentence(rows: readonly PricingView[], illustrative: boolean): string {
  const kind = illustrative ? 'ILLUSTRATIVE prices' : 'CMS payment limits';
  const exact = [
    ...new Set(rows.filter((r) => r.priceQuarter && !r.latestLoaded).map((r) => r.priceQuarter)),
  ];
  const parts: string[] = [];
  if (exact.length) parts.push(`the ${exact.join(', ')} ${kind}`);
  for (const r of rows.filter((x) => x.latestLoaded))
    parts.push(
      `the ${r.priceQuarter} ${kind} for dates of service in ${r.dosQuarter} (the latest loaded; ${r.dosQuarter}'s are not)`,
    );
  const unvalued = rows.filter((r) => !r.priceQuarter).reduce((n, r) => n + r.units, 0);
  const said = [
    ...(parts.length ? [`Priced with ${parts.join('; ')}.`] : []),
    ...(unvalued ? [`${int(unvalued)} unit(s) have no payment limit: counted, not valued.`] : []),
  ];
  return said.join(' ') || 'Nothing to price.';
}

function part(id: string, color: string, label: string, money: string, detail: string): string {
  return (
    `<li class="part"><span class="swatch" style="background:${color}"></span>` +
    `<span class="part-label">${esc(label)}</span>` +
    `<span class="part-value" data-figure="${id}">${esc(money)}</span>` +
    `<span class="part-detail">${esc(detail)}</span></li>`
  );
}

function headlineSection(h: Headline, ill: boolean): string {
  const star = ill ? '*' : '';
  const parts = [
    { id: 'missed-jw-value', v: h.missedJw.value, c: PALETTE[0] as string },
    { id: 'under-value', v: h.underBilled.value, c: PALETTE[1] as string },
    { id: 'wrong-code-value', v: h.wrongCodes.value, c: PALETTE[2] as string },
    { id: 'missing-jz-value', v: h.missingJz.value, c: PALETTE[3] as string },
  ];
  const bar = h.recoverable
    ? `<div class="split" role="img" aria-label="How the recoverable value splits">${parts
        .filter((p) => p.v > 0)
        .map(
          (p) => `<span style="background:${p.c};width:${((100 * p.v) / h.recoverable).toFixed(2)}%"></span>`,
        )
        .join('')}</div>`
    : '';
  const sum = `${usd(h.missedJw.value)} + ${usd(h.underBilled.value)} + ${usd(h.wrongCodes.value)} + ${usd(h.missingJz.value)} = ${usd(h.recoverable)}`;
  return `<section class="headline" aria-labelledby="headline-title">
<h2 id="headline-title">Recoverable this period</h2>
<div class="big" data-figure="recoverable">${esc(usd(h.recoverable) + star)}</div>
<p class="priced" data-figure="priced-with">${esc(pricingSentence(h.pricedBy, ill))}</p>
${bar}
<ul class="parts">
${part('missed-jw-value', parts[0]!.c, 'Missed JW', usd(h.missedJw.value) + star, `${int(h.missedJw.units)} units of documented waste not billed`)}
${part('under-value', parts[1]!.c, 'Under-billed units', usd(h.underBilled.value) + star, `${int(h.underBilled.units)} documented units not billed`)}
${part('wrong-code-value', parts[2]!.c, 'Wrong codes', usd(h.wrongCodes.value) + star, `${int(h.wrongCodes.lines)} charge(s) posted under another drug's code; the right code pays ${int(h.wrongCodes.units)} units`)}
${part('missing-jz-value', parts[3]!.c, 'Missing JZ returns', usd(h.missingJz.value) + star, `${int(h.missingJz.lines)} line(s) without JZ: ${int(h.missingJz.units)} posted units come back unpaid until JZ is added`)}
</ul>
<p class="hint">${esc(sum)}. Each unit counts in one part only: a charge under the wrong code counts there and nowhere else; a line missing JZ counts the units it posted, and documented units never posted count as under-billed.</p>
<div class="beside">
<div><span class="label">Over-billed (compliance risk, not in the total)</span> <span class="value" data-figure="over-value">${esc(usd(h.overBilled.value) + star)}</span> <span class="note">${esc(`${int(h.overBilled.units)} units billed that the documentation does not support: review for refunds`)}</span></div>
<div><span class="label">Open documentation gaps</span> <span class="value" data-figure="gaps">${esc(int(h.openGaps))}</span> <span class="note" data-figure="at-risk">${esc(`${usd(h.revenueAtRisk)}${star} of revenue at risk until documented (the engine's estimate per gap: a line can be at risk for several gaps, and some gaps are about the findings above)`)}</span></div>
</div>
</section>`;
}

function tile(id: string, label: string, value: string, note = ''): string {
  return (
    `<div class="tile"><div class="label">${esc(label)}</div>` +
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
  readonly caption: string;
  /** On a phone, each row becomes a card of labelled values (wide tables: nothing hides off screen). */
  readonly cards?: boolean;
  /** In cards, leave out the figures that are zero (a card per encounter lists what it has). */
  readonly cardsHideZeros?: boolean;
}

const ZERO = /^\$?0(?:\.00)?\*?$/;

function table(headers: readonly string[], rows: readonly (readonly string[])[], opts: TableOptions): string {
  const cls = (i: number, extra = '') => {
    const numeric = i >= opts.numericFrom && i < (opts.numericTo ?? headers.length);
    const c = [numeric ? 'num' : '', opts.classes?.[i] ?? '', extra].filter(Boolean).join(' ');
    return c ? ` class="${c}"` : '';
  };
  const head = headers.map((h, i) => `<th scope="col"${cls(i)}>${esc(h)}</th>`).join('');
  const body = rows.length
    ? rows
        .map(
          (r) =>
            `<tr>${r
              .map((c, i) => {
                const zero = opts.cardsHideZeros && i >= opts.numericFrom && ZERO.test(c);
                return `<td${cls(i, zero ? 'zero' : '')} data-label="${esc(headers[i] ?? '')}">${esc(c)}</td>`;
              })
              .join('')}</tr>`,
        )
        .join('')
    : `<tr><td colspan="${headers.length}" class="empty">none</td></tr>`;
  // A wide table scrolls in its own box (focusable, so a keyboard can scroll it), never the page.
  return `<div class="scroll${opts.cards ? ' cards' : ''}" tabindex="0" role="region" aria-label="${esc(opts.caption)}"><table id="${opts.id}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** Recoverable value by code as HTML bars: real text, so it stays readable at any width. */
function recoverableBars(s: AuditSummary, money: (n: number) => string): string {
  const rows = s.byCode.filter((c) => c.recoverableValue > 0).slice(0, 12);
  if (!rows.length) return '<p class="hint">Nothing to recover.</p>';
  const max = Math.max(...rows.map((c) => c.recoverableValue));
  const colors = [PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3]] as string[];
  const legend = ['JW waste not billed', 'units not billed', 'wrong code', 'missing JZ']
    .map((l, i) => `<span><span class="swatch" style="background:${colors[i]}"></span>${esc(l)}</span>`)
    .join('');
  const body = rows
    .map((c) => {
      const values = [c.missedJw.value, c.underBilled.value, c.wrongCode.value, c.missingJz.value];
      const segments = values
        .map((v, i) =>
          v > 0
            ? `<span style="background:${colors[i]};width:${((100 * v) / max).toFixed(2)}%" title="${esc(money(v))}"></span>`
            : '',
        )
        .join('');
      return `<li><span class="bar-label"><b>${esc(c.code)}</b> ${esc(c.descriptor.replace(/^Injection, /, ''))}</span><span class="bar-track">${segments}</span><span class="bar-value">${esc(money(c.recoverableValue))}</span></li>`;
    })
    .join('');
  return `<div class="legend">${legend}</div><ul class="bars" aria-label="Value recoverable by HCPCS code">${body}</ul>`;
}

function gapsChart(s: AuditSummary, narrow: boolean): string {
  const periods = s.gapsOverTime.periods;
  const codes = s.gapsByCode.map((g) => g.code);
  const shown = codes.slice(0, narrow ? 5 : 8);
  const series: Series[] = shown.map((code, i) => ({
    label: code,
    color: PALETTE[i % PALETTE.length] as string,
    values: periods.map((p) => p.counts[code] ?? 0),
  }));
  if (codes.length > shown.length) {
    series.push({
      label: 'other gap codes',
      color: '#BBBBBB',
      values: periods.map((p) => codes.slice(shown.length).reduce((n, c) => n + (p.counts[c] ?? 0), 0)),
    });
  }
  // Full dates (with the year) on the axis; a month as YYYY-MM.
  const label = (start: string) => (s.gapsOverTime.granularity === 'month' ? start.slice(0, 7) : start);
  return stackedColumns(
    periods.map((p) => label(p.start)),
    series,
    `Open documentation gaps by code, per ${s.gapsOverTime.granularity} of the date of service`,
    `gaps per ${s.gapsOverTime.granularity}`,
    narrow ? 'narrow' : 'wide',
  );
}

function pricingTable(h: Headline, money: (n: number) => string): string {
  const rows = h.pricedBy.map((r) => [
    r.dosQuarter,
    r.priceQuarter
      ? `${r.priceQuarter}${r.latestLoaded ? ' (latest loaded)' : ''}${r.illustrative ? ' ILLUSTRATIVE' : ''}`
      : 'no payment limit',
    int(r.units),
    r.priceQuarter ? money(r.value) : 'not valued',
  ]);
  return table(['Dates of service in', 'Priced with limits of', 'Units recoverable', 'Value'], rows, {
    numericFrom: 2,
    id: 'pricing',
    caption: 'How the recoverable value was priced',
  });
}

export function renderHtml(s: AuditSummary, meta: ReportMeta): string {
  const t = s.totals;
  const h = s.headline;
  const ill = s.pricesIllustrative;
  const money = (n: number) => usd(n) + (ill ? '*' : '');
  const banner = ill ? `<div class="banner" data-figure="illustrative">${esc(ILLUSTRATIVE_NOTE)}</div>` : '';
  const unpriced = t.unpricedUnits
    ? `<div class="banner">${esc(`${int(t.unpricedUnits)} unit(s) in findings have no payment limit for their quarter: they are counted, not valued. Load the CMS pricing file (vialwise catalog import-prices) or a price file with --prices.`)}</div>`
    : '';
  const broken = meta.stats.brokenLines
    ? `<div class="warning" data-figure="broken-lines">${esc(`${int(meta.stats.brokenLines)} input line(s) could not be read and were skipped; the figures leave them out. First: ${meta.stats.brokenLineSamples.slice(0, 3).join('; ')}`)}</div>`
    : '';
  const missingEnc = meta.stats.administrationsWithoutEncounter
    ? `<div class="warning">${esc(`${int(meta.stats.administrationsWithoutEncounter)} administration(s) point at an Encounter that is not in the input: not audited.`)}</div>`
    : '';
  const nothingPosted = t.encountersWithNothingPosted
    ? `<p class="hint">${esc(`${int(t.encountersWithNothingPosted)} encounter(s) with drug lines had no ChargeItem and no submitted Claim: all their units count as not billed.`)}</p>`
    : '';
  const shard =
    meta.partition.count > 1
      ? ` &middot; shard ${meta.partition.index + 1} of ${meta.partition.count} (merge the shards' JSON reports with vialwise audit merge)`
      : '';

  const tiles = [
    tile('encounters', 'Encounters audited', int(t.encounters), `${int(t.administrations)} administrations`),
    tile('with-findings', 'With findings', int(t.encountersWithFindings)),
    tile(
      'derived-units',
      'Units documented',
      int(t.derivedUnits),
      `+ ${int(t.jwUnits)} JW units in ${int(t.lines)} lines`,
    ),
    tile('derived-value', 'Value documented', money(t.derivedValue)),
    tile('missed-jw-units', 'Missed JW units', int(t.missedJw.units)),
    tile('under-units', 'Under-billed units', int(t.underBilled.units)),
    tile('wrong-codes', 'Wrong codes posted', int(t.wrongCodes)),
    tile('missing-jz', 'Lines missing JZ', int(t.missingJz)),
    tile('over-units', 'Over-billed units', int(t.overBilled.units)),
  ].join('');

  const byCodeRows = s.byCode.map((c) => [
    c.code,
    c.descriptor.replace(/^Injection, /, ''),
    int(c.derivedUnits),
    int(c.jwUnits),
    money(c.missedJw.value),
    money(c.underBilled.value),
    money(c.wrongCode.value),
    money(c.missingJz.value),
    money(c.recoverableValue),
    int(c.overBilled.units),
    int(c.wrongCodes),
    int(c.missingJzLines),
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
<div class="meta">Source: ${esc(meta.source)} &middot; generated ${esc(meta.generatedAt)} by vialwise${shard}${meta.wrote ? ' &middot; draft Claims and DetectedIssues written to the FHIR server' : ''}</div>
</header>
<main>
${banner}${unpriced}${broken}${missingEnc}
${headlineSection(h, ill)}
<section><h2>The detail</h2><div class="tiles">${tiles}</div>${nothingPosted}</section>
<section><h2>Recoverable by code</h2><p class="hint">The four parts of the headline, per HCPCS code.</p>${recoverableBars(s, money)}</section>
<section><h2>Open documentation gaps over time</h2><p class="hint">By date of service; what clinicians still need to document.</p>${gapsChart(s, false)}${gapsChart(s, true)}</section>
<section><h2>How the figures were priced</h2><p class="hint">Units x the payment limit of the code for the quarter of the date of service; when that quarter is not loaded, the latest loaded quarter's, and the report says so.</p>${pricingTable(h, money)}</section>
<section><h2>By HCPCS code</h2>
${table(['Code', 'Descriptor', 'Units documented', 'JW units', 'Missed JW', 'Under-billed', 'Wrong code', 'Missing JZ', 'Recoverable', 'Over-billed units', 'Wrong codes', 'Lines missing JZ'], byCodeRows, { numericFrom: 2, id: 'by-code', classes: ['id', 'wide'], caption: 'Figures by HCPCS code', cards: true })}
</section>
<div class="grid2">
<section><h2>Documentation gaps by code</h2>
${table(['Gap', 'What', 'Severity', 'Open', 'Revenue at risk'], gapRows, { numericFrom: 3, id: 'gaps-by-code', classes: ['id'], caption: 'Documentation gaps by code', cards: true })}
</section>
<section><h2>Wrong codes posted</h2><p class="hint">The code on the posted charge, and the code the documented drug bills as.</p>
${table(['Posted', 'Documented drug bills as', 'Charges'], pairRows, { numericFrom: 2, id: 'wrong-codes', caption: 'Wrong codes posted' })}
</section>
</div>
<section><h2>Encounters with the most at stake (top ${s.topEncounters.length})</h2><p class="hint">Every encounter is in the CSV and JSON reports; every line, with what to document, in the line-level CSV.</p>
${table(['Encounter', 'Date of service', 'Payer / class', 'Compared with', 'Recoverable', 'Missed JW units', 'Under units', 'Over units', 'Wrong codes', 'Missing JZ', 'At risk', 'Gaps'], topRows, { numericFrom: 4, numericTo: 11, id: 'top-encounters', classes: ['id', 'id', 'id', '', '', '', '', '', '', '', '', 'gaps'], caption: 'Encounters with the most at stake', cards: true, cardsHideZeros: true })}
</section>
<footer><ul>
<li>Encounters: ${esc(sources)}. Payers: ${esc(payers || 'none')}.</li>
<li>Input: ${esc(int(meta.stats.administrations))} administrations${meta.stats.lines ? `, ${esc(int(meta.stats.lines))} lines read` : ''}${meta.stats.brokenLines ? `, ${esc(int(meta.stats.brokenLines))} unreadable lines skipped` : ''}.</li>
<li>Units and gaps come from the vialwise engine applied to the whole of each encounter with an administration dated in the range. "Posted" is the Claim that has left draft when there is one, else the billable ChargeItems.</li>
<li>${ill ? esc(ILLUSTRATIVE_NOTE) : 'Dollar figures are CMS Part B payment limits (ASP pricing files) x units; they are what Medicare allows, not what every payer pays.'}</li>
</ul></footer>
</main>
</body>
</html>
`;
}
