/**
 * The CSV and JSON reports, one row per audited encounter, written as the audit goes (never the
 * whole list in memory). Each goes to `<file>.partial` and is renamed when complete, so a failed
 * run never leaves a half report under the requested name.
 */
import { closeSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { AuditSummary, SourceStats } from './accumulate.ts';
import { dollars, recoverableCents, type EncounterAudit } from './model.ts';
import { ILLUSTRATIVE_NOTE, type ReportMeta } from './report-html.ts';
import { csvCell } from '../domain/csv.ts';

export const CSV_COLUMNS = [
  'encounter',
  'date_of_service',
  'payer',
  'encounter_class',
  'compared_with',
  'administrations',
  'lines',
  'units_documented',
  'jw_units_documented',
  'value_documented',
  'missed_jw_units',
  'missed_jw_value',
  'under_billed_units',
  'under_billed_value',
  'over_billed_units',
  'over_billed_value',
  'recoverable_value',
  'wrong_codes',
  'missing_jz',
  'gaps',
  'gap_codes',
  'revenue_at_risk',
  'prices_illustrative',
] as const;

export function encounterRow(
  e: EncounterAudit,
  illustrative: boolean,
): Record<(typeof CSV_COLUMNS)[number], string | number | boolean> {
  const f = e.figures;
  return {
    encounter: e.subject,
    date_of_service: e.dateOfService,
    payer: e.payerCategory,
    encounter_class: e.encounterClass,
    compared_with: e.postedSource,
    administrations: e.administrations,
    lines: e.lines,
    units_documented: f.derivedUnits,
    jw_units_documented: f.jwUnits,
    value_documented: dollars(f.derivedCents),
    missed_jw_units: f.missedJwUnits,
    missed_jw_value: dollars(f.missedJwCents),
    under_billed_units: f.underUnits,
    under_billed_value: dollars(f.underCents),
    over_billed_units: f.overUnits,
    over_billed_value: dollars(f.overCents),
    recoverable_value: dollars(recoverableCents(f)),
    wrong_codes: f.wrongCodes,
    missing_jz: f.missingJz,
    gaps: e.gaps.length,
    gap_codes: [...new Set(e.gaps.map((g) => g.code))].sort().join(';'),
    revenue_at_risk: dollars(e.atRiskCents),
    prices_illustrative: illustrative || e.pricesIllustrative,
  };
}

const BUFFER_BYTES = 256 * 1024;

/**
 * Buffered, synchronous appends to `<path>.partial`, through one reused byte buffer (building
 * a large string per flush would churn the native heap over a long run).
 */
class PartialFile {
  readonly path: string;
  readonly partial: string;
  private fd: number | undefined;
  private readonly buffer = Buffer.allocUnsafeSlow(BUFFER_BYTES);
  private used = 0;

  constructor(path: string) {
    this.path = path;
    this.partial = `${path}.partial`;
    this.fd = openSync(this.partial, 'w');
  }

  write(s: string): void {
    // A UTF-16 unit takes at most 3 bytes in UTF-8.
    if (this.used + s.length * 3 > BUFFER_BYTES) this.flush();
    if (s.length * 3 > BUFFER_BYTES) {
      if (this.fd !== undefined) writeSync(this.fd, s);
      return;
    }
    this.used += this.buffer.write(s, this.used);
  }

  /** Appends a whole file's bytes. */
  copyFrom(path: string): void {
    this.flush();
    const fd = openSync(path, 'r');
    try {
      for (
        let n = readSync(fd, this.buffer, 0, BUFFER_BYTES, null);
        n > 0;
        n = readSync(fd, this.buffer, 0, BUFFER_BYTES, null)
      ) {
        if (this.fd !== undefined) writeSync(this.fd, this.buffer, 0, n);
      }
    } finally {
      closeSync(fd);
    }
  }

  flush(): void {
    if (this.fd === undefined || !this.used) return;
    writeSync(this.fd, this.buffer, 0, this.used);
    this.used = 0;
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  commit(): void {
    this.close();
    renameSync(this.partial, this.path);
  }

  discard(): void {
    this.close();
    rmSync(this.partial, { force: true });
  }
}

export interface ReportFilePaths {
  readonly csv?: string;
  readonly json?: string;
  /** Illustrative prices are loaded: every row says so. */
  readonly illustrative: boolean;
}

export class ReportFiles {
  private readonly csv: PartialFile | undefined;
  private readonly json: PartialFile | undefined;
  /** JSON rows wait in their own file until the totals (known last) are written first. */
  private readonly jsonRows: PartialFile | undefined;
  private rows = 0;
  private readonly illustrative: boolean;

  constructor(paths: ReportFilePaths) {
    this.illustrative = paths.illustrative;
    this.csv = paths.csv ? new PartialFile(paths.csv) : undefined;
    this.json = paths.json ? new PartialFile(paths.json) : undefined;
    this.jsonRows = paths.json ? new PartialFile(`${paths.json}.rows`) : undefined;
    this.csv?.write(`${CSV_COLUMNS.join(',')}\n`);
  }

  add(e: EncounterAudit): void {
    const row = encounterRow(e, this.illustrative);
    this.csv?.write(`${CSV_COLUMNS.map((c) => csvCell(row[c])).join(',')}\n`);
    if (this.jsonRows) {
      const byCode = Object.fromEntries(
        [...e.byCode.entries()].map(([code, f]) => [
          code,
          {
            unitsDocumented: f.derivedUnits,
            jwUnitsDocumented: f.jwUnits,
            missedJwUnits: f.missedJwUnits,
            underBilledUnits: f.underUnits,
            overBilledUnits: f.overUnits,
            wrongCodes: f.wrongCodes,
            missingJz: f.missingJz,
          },
        ]),
      );
      const gaps = e.gaps.map((g) => ({ code: g.code, date: g.date, revenueAtRisk: dollars(g.cents) }));
      this.jsonRows.write(
        `${this.rows ? ',' : ''}\n    ${JSON.stringify({ ...row, byCode, gapDetails: gaps })}`,
      );
    }
    this.rows++;
  }

  finish(summary: AuditSummary, meta: ReportMeta, stats: SourceStats): void {
    this.csv?.commit();
    if (this.json && this.jsonRows) {
      this.jsonRows.close();
      const head = {
        report: 'vialwise drug charge audit',
        generatedAt: meta.generatedAt,
        source: meta.source,
        wroteToFhirServer: meta.wrote,
        pricesIllustrative: summary.pricesIllustrative,
        ...(summary.pricesIllustrative ? { pricesNote: ILLUSTRATIVE_NOTE } : {}),
        range: summary.range,
        totals: summary.totals,
        byCode: summary.byCode,
        gapsByCode: summary.gapsByCode,
        gapsOverTime: summary.gapsOverTime,
        wrongCodePairs: summary.wrongCodePairs,
        postedSources: summary.postedSources,
        payers: summary.payers,
        input: stats,
      };
      const text = JSON.stringify(head, null, 2);
      this.json.write(`${text.slice(0, -2)},\n  "encounters": [`);
      this.json.copyFrom(this.jsonRows.partial);
      this.json.write(`${this.rows ? '\n  ' : ''}]\n}\n`);
      this.jsonRows.discard();
      this.json.commit();
    }
  }

  discard(): void {
    this.csv?.discard();
    this.json?.discard();
    this.jsonRows?.discard();
  }
}
