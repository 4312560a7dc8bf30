/**
 * Parsers of the four CMS files the catalog is built from (docs/catalog.md "Inputs"): the ASP
 * pricing file, the ASP NDC-HCPCS crosswalk, OPPS Addendum B and the HCPCS long descriptors.
 * Columns are found by name. A file without its header or a needed column is an ImportError
 * naming it; a bad row is skipped and reported as `file:row: reason`, never the whole file.
 * Pure: the caller reads the bytes.
 */
import { normalizeNdc } from '../ndc.ts';
import { monthIndex } from '../quarters.ts';
import { locateColumns, parseCmsNumber, readCsvRows } from './cms-csv.ts';
import type { ColumnSpec, CsvRow, LocatedTable } from './cms-csv.ts';
import { ImportError } from './errors.ts';

/** A row left out of the catalog, and why. */
export interface SkippedRow {
  readonly file: string;
  /** 1-based line of the CSV the record starts on. */
  readonly row: number;
  readonly reason: string;
}

export function formatSkipped(s: SkippedRow): string {
  return `${s.file}:${s.row}: ${s.reason}`;
}

/** HCPCS Level II (J2919) or CPT (90371, 0001A): the files list vaccines by CPT code. */
const CODE = /^(?:[A-Z]\d{4}|\d{4}[0-9A-Z])$/;

export function isBillingCode(text: string): boolean {
  return CODE.test(text);
}

const QUARTER = /^\d{4}Q[1-4]$/;

/** `2025Q4` from `2025q4` or `2025Q4`; throws an ImportError otherwise. */
export function parseQuarter(text: string): string {
  const quarter = text.trim().toUpperCase();
  if (!QUARTER.test(quarter)) {
    throw new ImportError(
      'option-invalid',
      `quarter "${text}" is not valid: expected a quarter such as 2025Q4`,
    );
  }
  return quarter;
}

/** The quarter a title row such as "Effective January 1, 2024 through March 31, 2024" starts. */
export function quarterFromTitle(rows: readonly CsvRow[]): string | undefined {
  for (const row of rows.slice(0, 12)) {
    for (const cell of row.cells) {
      const m = /effective (\w+) 1, (\d{4})/i.exec(cell);
      const month = m ? monthIndex(m[1]) : -1;
      if (m && month >= 0) return `${m[2]}Q${Math.floor(month / 3) + 1}`;
    }
  }
  return undefined;
}

/** The quarter in a file name such as `asp-pricing-2025q4.csv`. */
export function quarterFromName(name: string): string | undefined {
  const m = /(?:^|[^0-9])(\d{4})[-_ ]?q([1-4])(?:[^0-9]|$)/i.exec(name);
  return m ? `${m[1]}Q${m[2]}` : undefined;
}

function table<K extends string>(rows: readonly CsvRow[], specs: Readonly<Record<K, ColumnSpec>>) {
  return locateColumns(rows, specs);
}

function cell<K extends string>(t: LocatedTable<K>, row: CsvRow, key: K): string {
  // Title cells and labeler names carry line breaks and double spaces; one space is what they mean.
  return (row.cells[t.index[key]] ?? '').replace(/\s+/g, ' ').trim();
}

export interface ParsedFile<T> {
  readonly file: string;
  /** The quarter its title row names, when it names one. */
  readonly titleQuarter: string | undefined;
  readonly rows: readonly T[];
  readonly skipped: readonly SkippedRow[];
  /** Rows kept after a value was read back from the row's other cells (reported, never silent). */
  readonly recovered?: readonly SkippedRow[];
}

// ---------------------------------------------------------------------------------------------
// ASP pricing file

export interface PricingRow {
  readonly row: number;
  readonly code: string;
  readonly shortDescription: string;
  /** `HCPCS Code Dosage` as written, e.g. `5 MG`: the billing unit the limit is for. */
  readonly dosage: string;
  /** USD per billing unit; null when the file gives none (`N/A`, blank). */
  readonly paymentLimit: number | null;
  /** The `Notes` cell ("Added April 2024", "AMP-based payment limit"...), trimmed. */
  readonly note: string;
  /** The `Clotting Factor` column is set (`1`): a blood clotting factor, billed per IU or mg. */
  readonly clottingFactor: boolean;
}

const PRICING = {
  code: { label: 'HCPCS Code', names: ['HCPCS Code'] },
  shortDescription: { label: 'Short Description', names: ['Short Description'] },
  dosage: { label: 'HCPCS Code Dosage', names: ['HCPCS Code Dosage'] },
  paymentLimit: { label: 'Payment Limit', names: ['Payment Limit'] },
  notes: { label: 'Notes', names: ['Notes'], optional: true },
  clottingFactor: { label: 'Clotting Factor', names: ['Clotting Factor'], optional: true },
} as const satisfies Record<string, ColumnSpec>;

export function parsePricingFile(input: Uint8Array, file: string): ParsedFile<PricingRow> {
  const rows = readCsvRows(input);
  const t = aboutFile(file, () => table(rows, PRICING));
  const out: PricingRow[] = [];
  const skipped: SkippedRow[] = [];
  const seen = new Map<string, PricingRow>();
  for (const r of t.body) {
    const code = cell(t, r, 'code').toUpperCase();
    const skip = (reason: string) => skipped.push({ file, row: r.line, reason });
    if (!isBillingCode(code)) {
      skip(code ? `HCPCS Code "${code}" is not a HCPCS or CPT code` : 'HCPCS Code is blank');
      continue;
    }
    const dosage = cell(t, r, 'dosage');
    const limitText = cell(t, r, 'paymentLimit');
    const parsed = limitText === '' || /^n\/?a$/i.test(limitText) ? null : parseCmsNumber(limitText);
    if (parsed === undefined || (parsed !== null && parsed <= 0)) {
      skip(`${code}: Payment Limit "${limitText}" is not a positive amount`);
      continue;
    }
    const row: PricingRow = {
      row: r.line,
      code,
      shortDescription: cell(t, r, 'shortDescription'),
      dosage,
      paymentLimit: parsed,
      note: cell(t, r, 'notes'),
      clottingFactor: !['', '0'].includes(cell(t, r, 'clottingFactor')),
    };
    const before = seen.get(code);
    if (before) {
      if (before.paymentLimit !== row.paymentLimit || before.dosage !== row.dosage) {
        skip(`${code} is listed again (row ${before.row}) with another dosage or limit; the first is kept`);
      }
      continue;
    }
    seen.set(code, row);
    out.push(row);
  }
  return { file, titleQuarter: quarterFromTitle(rows), rows: out, skipped };
}

// ---------------------------------------------------------------------------------------------
// ASP NDC-HCPCS crosswalk

export interface CrosswalkRow {
  readonly row: number;
  readonly code: string;
  readonly shortDescription: string;
  readonly labeler: string;
  /** 11-digit NDC, no hyphens. */
  readonly ndc: string;
  readonly drugName: string;
  /** `HCPCS dosage` as written. */
  readonly dosage: string;
  /** Amount per item in the NDC's own package unit (mL for solutions, 1 for a vial of powder). */
  readonly pkgSize: number;
  /** Items per package. */
  readonly pkgQty: number;
  /** Billing units per item (vial, bag, syringe). */
  readonly billUnits: number;
  /** Billing units per package. */
  readonly billUnitsPkg: number;
}

const CROSSWALK = {
  code: { label: '_<YYYY>_CODE', names: [/^_\d{4}_code$/, 'HCPCS Code', 'HCPCS'] },
  shortDescription: { label: 'Short Description', names: ['Short Description'] },
  labeler: { label: 'LABELER NAME', names: ['LABELER NAME'] },
  // The accessible CSV variant names the column NDC.
  ndc: { label: 'NDC2', names: ['NDC2', 'NDC'] },
  drugName: { label: 'Drug Name', names: ['Drug Name'] },
  dosage: { label: 'HCPCS dosage', names: ['HCPCS dosage'] },
  pkgSize: { label: 'PKG SIZE', names: ['PKG SIZE'] },
  pkgQty: { label: 'PKG QTY', names: ['PKG QTY'] },
  billUnits: { label: 'BILLUNITS', names: ['BILLUNITS'] },
  billUnitsPkg: { label: 'BILLUNITSPKG', names: ['BILLUNITSPKG'] },
} as const satisfies Record<string, ColumnSpec>;

const NUMERIC = ['pkgSize', 'pkgQty', 'billUnits', 'billUnitsPkg'] as const;
type NumericKey = (typeof NUMERIC)[number];

/**
 * A count with one stray character around its digits (`BILLUNITS "21.3125?"`, asp-crosswalk-2024q2.csv)
 * is read as its digits only when the row's other counts confirm them: BILLUNITSPKG is BILLUNITS
 * x PKG QTY (127.875 / 6 = 21.3125). Without that check the row is skipped, never guessed.
 */
function recoverCount(
  key: NumericKey,
  text: string,
  numbers: Partial<Record<NumericKey, number>>,
): { value: number; check: string } | undefined {
  const m = /^[^\d.]?(\d[\d,]*(?:\.\d+)?|\.\d+)[^\d.]?$/.exec(text);
  const value = m?.[1] !== undefined ? parseCmsNumber(m[1]) : undefined;
  if (value === undefined || m?.[0] === m?.[1]) return undefined;
  const { billUnits, billUnitsPkg, pkgQty } = numbers;
  const same = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
  if (key === 'billUnits' && billUnitsPkg !== undefined && pkgQty)
    return same(value, billUnitsPkg / pkgQty)
      ? { value, check: `BILLUNITSPKG ${billUnitsPkg} / PKG QTY ${pkgQty}` }
      : undefined;
  if (key === 'billUnitsPkg' && billUnits !== undefined && pkgQty !== undefined)
    return same(value, billUnits * pkgQty)
      ? { value, check: `BILLUNITS ${billUnits} x PKG QTY ${pkgQty}` }
      : undefined;
  if (key === 'pkgQty' && billUnits && billUnitsPkg !== undefined)
    return same(value, billUnitsPkg / billUnits)
      ? { value, check: `BILLUNITSPKG ${billUnitsPkg} / BILLUNITS ${billUnits}` }
      : undefined;
  return undefined;
}

export function parseCrosswalkFile(input: Uint8Array, file: string): ParsedFile<CrosswalkRow> {
  const rows = readCsvRows(input);
  const t = aboutFile(file, () => table(rows, CROSSWALK));
  const out: CrosswalkRow[] = [];
  const skipped: SkippedRow[] = [];
  const recovered: SkippedRow[] = [];
  const seen = new Set<string>();
  for (const r of t.body) {
    const skip = (reason: string) => skipped.push({ file, row: r.line, reason });
    const code = cell(t, r, 'code').toUpperCase();
    if (!isBillingCode(code)) {
      skip(code ? `${t.name.code} "${code}" is not a HCPCS or CPT code` : `${t.name.code} is blank`);
      continue;
    }
    const ndcText = cell(t, r, 'ndc');
    const ndc = normalizeNdc(ndcText);
    if (!ndc) {
      skip(`${code}: ${t.name.ndc} "${ndcText}" is not an NDC (a product number or a malformed code)`);
      continue;
    }
    const numbers: Partial<Record<NumericKey, number>> = {};
    const unreadable: NumericKey[] = [];
    for (const k of NUMERIC) {
      const value = parseCmsNumber(cell(t, r, k));
      if (value === undefined) unreadable.push(k);
      else numbers[k] = value;
    }
    const [only, another] = unreadable;
    const fix = only && !another ? recoverCount(only, cell(t, r, only), numbers) : undefined;
    if (only && fix) {
      numbers[only] = fix.value;
      recovered.push({
        file,
        row: r.line,
        reason: `${code} ${ndcText}: ${t.name[only]} "${cell(t, r, only)}" read as ${fix.value} (${fix.check})`,
      });
    } else if (only) {
      skip(`${code} ${ndcText}: ${t.name[only]} "${cell(t, r, only)}" is not a number`);
      continue;
    }
    const key = `${code}|${ndc}`;
    if (seen.has(key)) {
      skip(`${code} ${ndcText} is listed twice; the first row is kept`);
      continue;
    }
    seen.add(key);
    out.push({
      row: r.line,
      code,
      shortDescription: cell(t, r, 'shortDescription'),
      labeler: cell(t, r, 'labeler'),
      ndc,
      drugName: cell(t, r, 'drugName'),
      dosage: cell(t, r, 'dosage'),
      pkgSize: numbers.pkgSize ?? 0,
      pkgQty: numbers.pkgQty ?? 0,
      billUnits: numbers.billUnits ?? 0,
      billUnitsPkg: numbers.billUnitsPkg ?? 0,
    });
  }
  return { file, titleQuarter: quarterFromTitle(rows), rows: out, skipped, recovered };
}

// ---------------------------------------------------------------------------------------------
// OPPS Addendum B

export interface OppsRow {
  readonly row: number;
  readonly code: string;
  /** Status indicator: K and G separately payable drugs, N packaged, E1/E2 not payable... */
  readonly si: string;
  /** Ambulatory payment classification; blank for packaged and non-payable codes. */
  readonly apc: string;
}

const OPPS = {
  code: { label: 'HCPCS Code', names: ['HCPCS Code', 'HCPCS'] },
  si: { label: 'SI', names: ['SI', 'Status Indicator'] },
  apc: { label: 'APC', names: ['APC'] },
  shortDescriptor: {
    label: 'Short Descriptor',
    names: ['Short Descriptor', 'Short Description'],
    optional: true,
  },
} as const satisfies Record<string, ColumnSpec>;

export function parseOppsFile(input: Uint8Array, file: string): ParsedFile<OppsRow> {
  const rows = readCsvRows(input);
  const t = aboutFile(file, () => table(rows, OPPS));
  const out: OppsRow[] = [];
  const skipped: SkippedRow[] = [];
  const seen = new Set<string>();
  for (const r of t.body) {
    const skip = (reason: string) => skipped.push({ file, row: r.line, reason });
    const code = cell(t, r, 'code').toUpperCase();
    if (!isBillingCode(code)) {
      skip(code ? `HCPCS Code "${code}" is not a HCPCS or CPT code` : 'HCPCS Code is blank');
      continue;
    }
    const si = cell(t, r, 'si').toUpperCase();
    if (!/^[A-Z][A-Z0-9]?$/.test(si)) {
      skip(`${code}: SI "${si}" is not a status indicator`);
      continue;
    }
    if (seen.has(code)) {
      skip(`${code} is listed twice; the first row is kept`);
      continue;
    }
    seen.add(code);
    out.push({ row: r.line, code, si, apc: cell(t, r, 'apc') });
  }
  return { file, titleQuarter: undefined, rows: out, skipped };
}

// ---------------------------------------------------------------------------------------------
// HCPCS long descriptors

export interface DescriptorRow {
  readonly row: number;
  readonly code: string;
  readonly descriptor: string;
}

const DESCRIPTORS = {
  code: { label: 'HCPCS', names: ['HCPCS', 'HCPC', 'HCPCS Code'] },
  descriptor: { label: 'LONG_DESCRIPTION', names: ['LONG_DESCRIPTION', 'Long Description'] },
} as const satisfies Record<string, ColumnSpec>;

/** Modifiers (two characters) share the file with codes; they are passed over without a report. */
export function parseDescriptorFile(input: Uint8Array, file: string): ParsedFile<DescriptorRow> {
  const rows = readCsvRows(input);
  const t = aboutFile(file, () => table(rows, DESCRIPTORS));
  const out: DescriptorRow[] = [];
  const skipped: SkippedRow[] = [];
  for (const r of t.body) {
    const code = cell(t, r, 'code').toUpperCase();
    if (code.length === 2) continue;
    if (!isBillingCode(code)) {
      skipped.push({ file, row: r.line, reason: `HCPCS "${code}" is not a HCPCS code` });
      continue;
    }
    const descriptor = cell(t, r, 'descriptor');
    if (!descriptor) {
      skipped.push({ file, row: r.line, reason: `${code}: LONG_DESCRIPTION is blank` });
      continue;
    }
    out.push({ row: r.line, code, descriptor });
  }
  return { file, titleQuarter: undefined, rows: out, skipped };
}

/** Runs a step over a file's content, naming the file in its errors. */
export function aboutFile<T>(file: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    throw err instanceof ImportError ? err.inFile(file) : err;
  }
}
