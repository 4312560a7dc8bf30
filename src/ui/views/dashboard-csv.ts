/**
 * The dashboard's figures as one CSV table (RFC 4180, CRLF line ends; aggregates only, no
 * patient data), every text cell through the shared formula guard (src/domain/csv.ts). Every
 * money figure says in the `prices` column how it was priced: `ILLUSTRATIVE`, or the CMS quarter
 * and whether it is an estimate, an earlier quarter's limit or a suspect one (price-basis.ts).
 */
import { csvRow, type CsvValue } from '../../domain/csv.ts';
import type { Dashboard } from '../contract.ts';
import { basisCsv } from '../price-basis.ts';
import { ILLUSTRATIVE_NOTE } from '../shape.ts';

const money = (n: number) => Number(n.toFixed(2));

export function dashboardCsv(d: Dashboard): string {
  const all = d.pricesIllustrative;
  const p = (b: Parameters<typeof basisCsv>[0]) => basisCsv(b, all);
  const rows: CsvValue[][] = [
    ['section', 'metric', 'code', 'date', 'count', 'units', 'amount_usd', 'prices'],
    ['range', 'from', '', d.range.from ?? 'all', undefined, undefined, undefined, ''],
    ['range', 'to', '', d.range.to ?? 'all', undefined, undefined, undefined, ''],
    ...(d.pricesIllustrative
      ? [['note', 'prices', '', '', undefined, undefined, undefined, d.priceNote ?? ILLUSTRATIVE_NOTE]]
      : []),
    ['summary', 'claims_drafted', '', '', d.claimsDrafted, undefined, undefined, ''],
    ['summary', 'lines', '', '', d.lines, d.units, money(d.billedValue), p(d.basis.billed)],
    ['summary', 'unpriced_lines', '', '', d.unpricedLines, undefined, undefined, ''],
    ['summary', 'jw_captured', '', '', d.jwLines, d.jwUnits, money(d.jwValue), p(d.basis.jw)],
    ['summary', 'jz_lines', '', '', d.jzLines, undefined, undefined, ''],
    ['summary', 'revenue_at_risk', '', '', d.openGaps, undefined, money(d.atRisk), p(d.basis.atRisk)],
    ['summary', 'gaps_found', '', '', d.gapsFound, undefined, undefined, ''],
    ['summary', 'gaps_closed', '', '', d.gapsClosed, undefined, money(d.recovered), p(d.basis.recovered)],
    ...d.byQueue.map((q) => [
      'at_risk_by_queue',
      q.label,
      q.id,
      '',
      q.open,
      undefined,
      money(q.atRisk),
      p(q.basis),
    ]),
    ...d.atRiskByCode.map((g) =>
      g.estimated
        ? ['at_risk_by_gap_code', g.display, g.code, '', g.open, undefined, money(g.atRisk), p(g.basis)]
        : ['at_risk_by_gap_code', g.display, g.code, '', g.open, undefined, undefined, 'not estimated'],
    ),
    ...d.topCodes.map((c) => [
      'top_codes',
      'lines',
      c.code,
      '',
      c.lines,
      c.units,
      money(c.value),
      p(c.basis),
    ]),
    ...d.series.points.flatMap((pt) => [
      ['by_date_of_service', `lines_per_${d.series.bucket}`, '', pt.date, pt.lines, undefined, undefined, ''],
      [
        'by_date_of_service',
        `open_gaps_per_${d.series.bucket}`,
        '',
        pt.date,
        pt.open,
        undefined,
        undefined,
        '',
      ],
      [
        'by_date_of_service',
        `closed_gaps_per_${d.series.bucket}`,
        '',
        pt.date,
        pt.closed,
        undefined,
        undefined,
        '',
      ],
    ]),
  ];
  return rows.map(csvRow).join('\r\n') + '\r\n';
}
