/**
 * Reading the CMS quarterly CSV files (BILLING.md section 7): latin-1 text, title rows above the
 * header row, columns found by name rather than position because CMS renames and reorders them.
 */
import { parse } from 'csv-parse/sync';
import { ImportError } from './errors.ts';

/** One non-blank record of the file with the 1-based line it starts on. */
export interface CsvRow {
  readonly line: number;
  readonly cells: readonly string[];
}

/**
 * CMS publishes latin-1. The WHATWG decoder for that label is windows-1252, which reads latin-1
 * letters the same and also the curly quotes and dashes Excel writes in 0x80-0x9F. Some files
 * are UTF-8 (the 2024 Addendum B, a UTF-8 byte order mark after a re-save): a file that decodes
 * as UTF-8 without error is read as UTF-8, since latin-1 text with accented letters almost never
 * forms valid UTF-8 sequences.
 */
export function decodeCmsText(input: Uint8Array): string {
  if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) {
    return new TextDecoder('utf-8').decode(input.subarray(3));
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    return new TextDecoder('windows-1252').decode(input);
  }
}

interface ParsedRecord {
  readonly record: string[];
  readonly info: { readonly bytes: number };
}

/** All records that have at least one non-blank cell, with their line numbers. */
export function readCsvRows(input: Uint8Array): CsvRow[] {
  // csv-parse's own line counter drifts after a quoted CRLF, so lines come from byte offsets.
  const bytes = Buffer.from(decodeCmsText(input), 'utf8');
  const lineAt = lineLocator(bytes);
  let records: ParsedRecord[];
  try {
    records = parse(bytes, {
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      trim: true,
      skip_empty_lines: false,
    }) as unknown as ParsedRecord[];
  } catch (err) {
    const offset = (err as { bytes?: unknown }).bytes;
    const row = typeof offset === 'number' ? lineAt(offset) : undefined;
    throw new ImportError('csv-invalid', `not valid CSV (${(err as Error).message})`, { row });
  }
  const rows: CsvRow[] = [];
  let start = 0;
  for (const { record, info } of records) {
    if (record.some((cell) => cell !== '')) rows.push({ line: lineAt(start), cells: record });
    start = info.bytes;
  }
  return rows;
}

/** Maps a byte offset to its 1-based line (CRLF, LF and lone CR all end a line). */
function lineLocator(bytes: Uint8Array): (offset: number) => number {
  const lineStarts = [0];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x0a || (b === 0x0d && bytes[i + 1] !== 0x0a)) lineStarts.push(i + 1);
  }
  return (offset) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** A column the importer needs: how to name it in messages and the header names it may have. */
export interface ColumnSpec {
  readonly label: string;
  /** Accepted header names in order of preference, compared trimmed and case-insensitively. */
  readonly names: readonly (string | RegExp)[];
  /** A column some releases of the file lack: its cells read as blank. */
  readonly optional?: boolean;
}

export interface LocatedTable<K extends string> {
  readonly headerLine: number;
  /** Cell index of each column. */
  readonly index: Readonly<Record<K, number>>;
  /** Each column's name as the file writes it, for messages. */
  readonly name: Readonly<Record<K, string>>;
  /** The rows below the header. */
  readonly body: readonly CsvRow[];
}

function headerKey(cell: string): string {
  return cell.trim().replace(/\s+/g, ' ').toLowerCase();
}

function matches(cell: string, name: string | RegExp): boolean {
  const key = headerKey(cell);
  return typeof name === 'string' ? key === name.toLowerCase() : name.test(key);
}

/**
 * Finds the header row (the first row naming at least half of the needed columns, so title rows
 * are passed over but a header that lacks one column is reported as such) and the columns in it.
 */
export function locateColumns<K extends string>(
  rows: readonly CsvRow[],
  specs: Readonly<Record<K, ColumnSpec>>,
): LocatedTable<K> {
  const keys = Object.keys(specs) as K[];
  const needed = Math.max(2, Math.ceil(keys.length / 2));
  const headerAt = rows.findIndex(
    (row) =>
      keys.filter((k) => specs[k].names.some((n) => row.cells.some((c) => matches(c, n)))).length >= needed,
  );
  const header = rows[headerAt];
  if (!header) {
    throw new ImportError(
      'no-header',
      `no header row found: expected the columns ${keys.map((k) => specs[k].label).join(', ')}`,
    );
  }
  const index = {} as Record<K, number>;
  const name = {} as Record<K, string>;
  for (const k of keys) {
    const spec = specs[k];
    let found: number[] = [];
    for (const n of spec.names) {
      found = header.cells.flatMap((c, i) => (matches(c, n) ? [i] : []));
      if (found.length) break;
    }
    const [at, again] = found;
    if (at === undefined && spec.optional) {
      index[k] = -1;
      name[k] = spec.label;
      continue;
    }
    if (at === undefined) {
      throw new ImportError('column-missing', `header has no column ${spec.label}`, {
        row: header.line,
        column: spec.label,
      });
    }
    if (again !== undefined) {
      throw new ImportError(
        'column-duplicate',
        `header has two columns for ${spec.label}: "${header.cells[at]}" and "${header.cells[again]}"`,
        { row: header.line, column: spec.label },
      );
    }
    index[k] = at;
    name[k] = (header.cells[at] ?? spec.label).trim();
  }
  return { headerLine: header.line, index, name, body: rows.slice(headerAt + 1) };
}

/** Reads cells of one body row by column key. */
export class RowReader<K extends string> {
  readonly line: number;
  private readonly row: CsvRow;
  private readonly table: LocatedTable<K>;

  constructor(table: LocatedTable<K>, row: CsvRow) {
    this.table = table;
    this.row = row;
    this.line = row.line;
  }

  text(key: K): string {
    return (this.row.cells[this.table.index[key]] ?? '').trim();
  }

  required(key: K): string {
    const value = this.text(key);
    if (!value) this.fail('value-missing', key, `${this.table.name[key]} is blank`);
    return value;
  }

  /** A non-negative number; thousands separators and a leading $ are accepted. */
  number(key: K): number {
    const raw = this.text(key);
    const value = parseCmsNumber(raw);
    if (value === undefined) {
      this.fail('number-invalid', key, `${this.table.name[key]} "${raw}" is not a number`);
    }
    return value;
  }

  /** Like number(), but a blank cell is undefined. */
  optionalNumber(key: K): number | undefined {
    return this.text(key) === '' ? undefined : this.number(key);
  }

  fail(code: 'value-missing' | 'number-invalid' | 'ndc-malformed', key: K, detail: string): never {
    throw new ImportError(code, detail, { row: this.line, column: this.table.name[key] });
  }
}

const NUMBER = /^\$?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?$/;

export function parseCmsNumber(text: string): number | undefined {
  const t = text.trim();
  if (!NUMBER.test(t) || !/\d/.test(t)) return undefined;
  const value = Number(t.replace(/[$,]/g, ''));
  return Number.isFinite(value) ? value : undefined;
}
