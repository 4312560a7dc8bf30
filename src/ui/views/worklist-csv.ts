/**
 * The worklist as people filtered it, as one CSV table (RFC 4180, CRLF line ends), every text
 * cell through the shared formula guard (src/domain/csv.ts). It holds patient data (names,
 * MRNs): it is fetched with the API token and saved by the user, never logged or cached.
 */
import { csvRow, type CsvValue } from '../../domain/csv.ts';
import type { WorklistRow } from '../contract.ts';
import { basisCsv } from '../price-basis.ts';
import { queueLabel } from '../queues.ts';

export const WORKLIST_CSV_HEADER = [
  'gap_id',
  'queue',
  'severity',
  'gap_code',
  'gap',
  'what_to_document',
  'patient',
  'mrn',
  'account',
  'payer',
  'date_of_service',
  'aging_days',
  'revenue_at_risk_usd',
  'prices',
  'owner',
  'acknowledged_by',
  'encounter',
  'drug',
  'dose',
  'route',
  'administered',
] as const;

/**
 * One line per row; the `prices` column says how the revenue at risk was priced (the CMS quarter,
 * estimate, earlier quarter, suspect), or `ILLUSTRATIVE` (for every row when `illustrative`).
 */
export function worklistCsv(rows: readonly WorklistRow[], illustrative: boolean): string {
  const lines: CsvValue[][] = [[...WORKLIST_CSV_HEADER]];
  for (const r of rows) {
    const a = r.administrations;
    const join = (f: (x: (typeof a)[number]) => string | undefined) =>
      a.length ? a.map((x) => f(x) ?? '').join('; ') : undefined;
    lines.push([
      r.id,
      queueLabel(r.queue),
      r.severity,
      r.code,
      r.display,
      r.detail,
      r.patient?.name,
      r.patient?.mrn,
      r.encounter?.account,
      r.payer ?? 'no active coverage',
      r.dateOfService,
      r.agingDays,
      r.revenueAtRisk,
      r.revenueAtRisk === undefined ? 'not estimated' : basisCsv(r.atRiskBasis, illustrative),
      r.assignment?.owner?.display,
      r.acknowledgements.map((x) => x.author ?? '').join('; ') || undefined,
      r.encounter?.id,
      join((x) => x.drug),
      join((x) => x.dose),
      join((x) => x.route),
      join((x) => x.time),
    ]);
  }
  return lines.map(csvRow).join('\r\n') + '\r\n';
}
