/**
 * The CSV, line-level CSV and JSON reports, written as the audit goes (never the whole list in
 * memory): rows are appended to files in the run's private work folder, in a fixed order, and
 * the reports are assembled from them when the run completes. The row files' lengths are part
 * of the checkpoint: a resumed run cuts them back to the last checkpoint and carries on.
 */
import { closeSync, constants, ftruncateSync, openSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditSummary } from '../accumulate.ts';
import type { InputStats } from '../stats.ts';
import { ENCOUNTER_COLUMNS, LINE_COLUMNS, encounterCsvRow, encounterRecord, lineCsvRows } from './records.ts';
import type { EncounterAudit } from '../model.ts';
import { ExclusiveFile, removeStale, ReportFile } from './output.ts';

/** Format of the JSON report; `vialwise audit merge` refuses reports of another format. */
export const REPORT_FORMAT = 'vialwise-audit/2';

export interface ReportTargets {
  readonly csv?: string;
  readonly json?: string;
}

/** `audit.csv` -> `audit.lines.csv`: the line-level file beside the per-encounter one. */
export function linesCsvPath(csv: string): string {
  return /\.csv$/i.test(csv) ? csv.replace(/\.csv$/i, '.lines.csv') : `${csv}.lines.csv`;
}

export interface RowLengths {
  readonly csv: number;
  readonly lines: number;
  readonly json: number;
  readonly records: number;
}

/** Rows of one batch of encounters, already encoded (the workers encode, the main thread appends). */
export interface EncodedRows {
  readonly csv: Uint8Array;
  readonly lines: Uint8Array;
  readonly json: Uint8Array;
  readonly records: number;
}

/**
 * Bytes appended to a growing buffer. A row is encoded as soon as it is made, so that its string
 * dies young: rows kept as strings until a whole partition file is done survive many collections
 * and cost more garbage-collector time than building them.
 */
class ByteSink {
  private buffer = Buffer.allocUnsafeSlow(64 * 1024);
  private used = 0;

  write(s: string): void {
    // A UTF-16 unit takes at most 3 bytes in UTF-8.
    const need = this.used + s.length * 3;
    if (need > this.buffer.length) {
      const next = Buffer.allocUnsafeSlow(Math.max(need, this.buffer.length * 2));
      this.buffer.copy(next, 0, 0, this.used);
      this.buffer = next;
    }
    this.used += this.buffer.write(s, this.used);
  }

  /** The bytes so far, in their own ArrayBuffer (transferable), and a fresh start. */
  take(): Uint8Array {
    const out = new Uint8Array(this.used);
    out.set(this.buffer.subarray(0, this.used));
    this.used = 0;
    // Do not hold on to the largest batch ever seen between batches.
    if (this.buffer.length > 4 * 1024 * 1024) this.buffer = Buffer.allocUnsafeSlow(1024 * 1024);
    return out;
  }
}

/** Encodes encounters as rows of each report asked for (empty bytes for the others). */
export class RowEncoder {
  private readonly csv = new ByteSink();
  private readonly lines = new ByteSink();
  private readonly json = new ByteSink();
  private records = 0;
  private readonly targets: { csv: boolean; json: boolean };
  private readonly illustrative: boolean;

  constructor(targets: { csv: boolean; json: boolean }, illustrative: boolean) {
    this.targets = targets;
    this.illustrative = illustrative;
  }

  add(e: EncounterAudit): void {
    if (this.targets.csv) {
      this.csv.write(encounterCsvRow(e, this.illustrative));
      this.lines.write(lineCsvRows(e, this.illustrative));
    }
    // A leading comma on every record: the first one's is dropped when the report is assembled.
    if (this.targets.json) this.json.write(`,\n    ${encounterRecord(e)}`);
    this.records++;
  }

  /** The rows so far, each in its own ArrayBuffer (so that a worker can transfer them). */
  take(): EncodedRows {
    const rows = {
      csv: this.csv.take(),
      lines: this.lines.take(),
      json: this.json.take(),
      records: this.records,
    };
    this.records = 0;
    return rows;
  }
}

const ROW_FILES = {
  csv: 'encounters.csv.rows',
  lines: 'lines.csv.rows',
  json: 'encounters.json.rows',
} as const;

export class RowFiles {
  private readonly dir: string;
  private readonly files: Partial<Record<keyof typeof ROW_FILES, ExclusiveFile>> = {};
  private records = 0;

  /**
   * Opens the row files of the targets in `dir`: new ones, or (`resume`) existing ones cut back
   * to the lengths of the last checkpoint.
   */
  constructor(dir: string, targets: ReportTargets, resume?: RowLengths) {
    this.dir = dir;
    const wanted: (keyof typeof ROW_FILES)[] = [
      ...(targets.csv ? (['csv', 'lines'] as const) : []),
      ...(targets.json ? (['json'] as const) : []),
    ];
    for (const k of wanted) {
      const path = join(dir, ROW_FILES[k]);
      if (resume) {
        const fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW);
        ftruncateSync(fd, resume[k]);
        closeSync(fd);
        this.files[k] = new ExclusiveFile(
          path,
          openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW),
        );
      } else {
        // Rows of an attempt that stopped before its first checkpoint of the audit pass.
        removeStale(path);
        this.files[k] = new ExclusiveFile(path);
      }
    }
    if (resume) this.records = resume.records;
    else {
      this.files.csv?.write(`${ENCOUNTER_COLUMNS.join(',')}\n`);
      this.files.lines?.write(`${LINE_COLUMNS.join(',')}\n`);
    }
  }

  append(rows: EncodedRows): void {
    if (rows.csv.length) this.files.csv?.writeBytes(rows.csv);
    if (rows.lines.length) this.files.lines?.writeBytes(rows.lines);
    if (rows.json.length) this.files.json?.writeBytes(rows.json);
    this.records += rows.records;
  }

  /** Byte lengths for the checkpoint (after a flush). */
  lengths(): RowLengths {
    const size = (k: keyof typeof ROW_FILES) => {
      const f = this.files[k];
      if (!f) return 0;
      f.flush();
      return statSync(f.path).size;
    };
    return { csv: size('csv'), lines: size('lines'), json: size('json'), records: this.records };
  }

  close(): void {
    for (const f of Object.values(this.files)) f.close();
  }

  /**
   * Writes the reports: the CSVs are moved into place (or copied, across file systems), the
   * JSON gets its totals first and the rows after.
   */
  finish(targets: ReportTargets, head: Record<string, unknown>): void {
    this.close();
    if (targets.csv) {
      place(join(this.dir, ROW_FILES.csv), targets.csv);
      place(join(this.dir, ROW_FILES.lines), linesCsvPath(targets.csv));
    }
    if (targets.json) {
      const out = new ReportFile(targets.json);
      try {
        const text = JSON.stringify(head, null, 2);
        out.write(`${text.slice(0, -2)},\n  "encounters": [`);
        // Skip the first record's leading comma.
        if (this.records) out.copyFrom(join(this.dir, ROW_FILES.json), 1);
        out.write(`${this.records ? '\n  ' : ''}]\n}\n`);
        out.commit();
      } catch (err) {
        out.discard();
        throw err;
      }
    }
  }
}

/** Moves a finished row file over the report (same file system), else copies it. */
function place(from: string, target: string): void {
  try {
    renameSync(from, target);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
  }
  const out = new ReportFile(target);
  try {
    out.copyFrom(from);
    out.commit();
  } catch (err) {
    out.discard();
    throw err;
  }
}

export interface ReportMeta {
  readonly generatedAt: string;
  /** What was audited, e.g. "NDJSON files in exports/2026-q3". No patient data. */
  readonly source: string;
  readonly wrote: boolean;
  readonly stats: InputStats;
  /** `{ index, count }` of the shard; `{ 0, 1 }` for a whole run (or shards merged). */
  readonly partition: { readonly index: number; readonly count: number };
  /** Fingerprint of the catalog, payer rules and price files (shards must agree to merge). */
  readonly reference: string;
}

export const ILLUSTRATIVE_NOTE =
  'ILLUSTRATIVE prices: not CMS payment limits. Dollar figures show the method, not real money.';

/** The JSON report's head: everything but the encounters. */
export function jsonHead(summary: AuditSummary, meta: ReportMeta): Record<string, unknown> {
  return {
    report: 'vialwise drug charge audit',
    format: REPORT_FORMAT,
    generatedAt: meta.generatedAt,
    source: meta.source,
    partition: meta.partition,
    reference: meta.reference,
    wroteToFhirServer: meta.wrote,
    pricesIllustrative: summary.pricesIllustrative,
    ...(summary.pricesIllustrative ? { pricesNote: ILLUSTRATIVE_NOTE } : {}),
    moneyNote: 'Dollar values are exact to the mill (CMS payment limits have three decimals).',
    range: summary.range,
    headline: summary.headline,
    totals: summary.totals,
    byCode: summary.byCode,
    gapsByCode: summary.gapsByCode,
    gapsOverTime: summary.gapsOverTime,
    wrongCodePairs: summary.wrongCodePairs,
    postedSources: summary.postedSources,
    payers: summary.payers,
    topEncounters: summary.topEncounters,
    input: meta.stats,
  };
}

export function describeTargets(t: ReportTargets & { readonly html?: string }): string[] {
  return [
    ...(t.html ? [t.html] : []),
    ...(t.csv ? [t.csv, linesCsvPath(t.csv)] : []),
    ...(t.json ? [t.json] : []),
  ];
}
