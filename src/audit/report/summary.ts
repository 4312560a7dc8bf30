/** The audit's summary on stdout: the headline and its parts first, then the detail. */
import type { AuditSummary } from '../accumulate.ts';
import type { InputStats } from '../stats.ts';
import { ILLUSTRATIVE_NOTE } from './files.ts';
import { pricingSentence } from './html.ts';

export function formatSummary(
  s: AuditSummary,
  stats: InputStats,
  source: string,
  written: readonly string[],
  partition: { readonly index: number; readonly count: number },
): string {
  const t = s.totals;
  const h = s.headline;
  const star = s.pricesIllustrative ? ' *' : '';
  const usd = (n: number) => {
    const cents = Math.sign(n) * Math.round(Math.abs(n) * 100 + 1e-6);
    return `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}${star}`;
  };
  const int = (n: number) => n.toLocaleString('en-US');
  const gaps = s.gapsByCode.map(
    (g) => `    ${g.code.padEnd(28)} ${int(g.count).padStart(9)}   ${usd(g.revenueAtRisk)}`,
  );
  const shard = partition.count > 1 ? `, shard ${partition.index + 1} of ${partition.count}` : '';
  return [
    `vialwise audit ${s.range.since} to ${s.range.until} (${source}${shard})`,
    '',
    `  RECOVERABLE THIS PERIOD   ${usd(h.recoverable)}`,
    `    missed JW               ${usd(h.missedJw.value)}  (${int(h.missedJw.units)} units of documented waste not billed)`,
    `    under-billed units      ${usd(h.underBilled.value)}  (${int(h.underBilled.units)} documented units not billed)`,
    `    wrong codes             ${usd(h.wrongCodes.value)}  (${int(h.wrongCodes.lines)} charges under another drug's code)`,
    `    missing JZ returns      ${usd(h.missingJz.value)}  (${int(h.missingJz.lines)} lines, ${int(h.missingJz.units)} posted units returned until JZ is added)`,
    `    ${pricingSentence(h.pricedBy, s.pricesIllustrative)}`,
    `  not in the total:`,
    `    over-billed             ${usd(h.overBilled.value)}  (${int(h.overBilled.units)} units; compliance risk)`,
    `    open documentation gaps ${int(h.openGaps)}, revenue at risk ${usd(h.revenueAtRisk)} (estimate per gap; overlaps)`,
    ...gaps,
    '',
    `  administrations read      ${int(stats.administrations)}`,
    `  encounters audited        ${int(t.encounters)} (${int(t.administrations)} administrations, ${int(t.encountersWithFindings)} with findings)`,
    `  units documented          ${int(t.derivedUnits)} + ${int(t.jwUnits)} JW in ${int(t.lines)} lines, ${usd(t.derivedValue)}`,
    ...(t.encountersWithNothingPosted
      ? [`  encounters with nothing posted: ${int(t.encountersWithNothingPosted)}`]
      : []),
    ...(t.unpricedUnits
      ? [`  units without a payment limit for their quarter: ${int(t.unpricedUnits)} (counted, not valued)`]
      : []),
    ...(s.pricesIllustrative ? [`  * ${ILLUSTRATIVE_NOTE}`] : []),
    ...(written.length ? [`  wrote ${written.join(', ')}`] : []),
    '',
  ].join('\n');
}
