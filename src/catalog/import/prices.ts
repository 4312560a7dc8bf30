/**
 * The CMS ASP pricing file (BILLING.md section 7): parsing the quarterly CSV into prices.json
 * entries, and merging them by (code, quarter). Pure; the caller reads and writes files.
 */
import type { CodesFile, PricesFile } from '../schema.ts';
import { locateColumns, parseDosage, readCsvRows, RowReader, sameDosage } from './cms-csv.ts';
import type { ColumnSpec } from './cms-csv.ts';
import { ImportError } from './errors.ts';

export interface PricingRow {
  /** 1-based line of the CSV. */
  readonly row: number;
  /** Upper-cased; HCPCS Level II or CPT (the file lists vaccines by CPT code). */
  readonly code: string;
  readonly shortDescription: string;
  /** As listed, e.g. `125 MG`: the amount the payment limit is for. */
  readonly dosage: string;
  /** USD per billing unit; undefined when the cell is blank. */
  readonly paymentLimit: number | undefined;
}

const COLUMNS = {
  code: { label: 'HCPCS Code', names: ['HCPCS Code'] },
  shortDescription: { label: 'Short Description', names: ['Short Description'] },
  dosage: { label: 'HCPCS Code Dosage', names: ['HCPCS Code Dosage'] },
  paymentLimit: { label: 'Payment Limit', names: ['Payment Limit'] },
} as const satisfies Record<string, ColumnSpec>;

/** Parses the pricing CSV; throws an ImportError naming the line and column of the first bad cell. */
export function parsePricingFile(input: Uint8Array): PricingRow[] {
  const table = locateColumns(readCsvRows(input), COLUMNS);
  return table.body.map((row) => {
    const r = new RowReader(table, row);
    return {
      row: r.line,
      code: r.required('code').toUpperCase(),
      shortDescription: r.text('shortDescription'),
      dosage: r.text('dosage'),
      paymentLimit: r.optionalNumber('paymentLimit'),
    };
  });
}

const QUARTER = /^\d{4}Q[1-4]$/;

/** `2025Q4`; lower-case `q` is accepted. Throws an ImportError otherwise. */
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

export type PriceEntry = PricesFile['prices'][number];

export interface PriceImportOptions {
  readonly quarter: string;
  /** Name of the imported file, recorded as the source. */
  readonly fileName: string;
  /** Demo prices: every screen and report that shows them must say so (SPEC section 8). */
  readonly illustrative?: boolean;
}

export interface PriceImportSummary {
  /** Payment limits taken for codes in codes.json. */
  readonly imported: number;
  /** Rows with a blank payment limit. */
  readonly blank: number;
  /** Rows of codes codes.json does not hold. */
  readonly notInCatalog: number;
}

export function priceSource(fileName: string, illustrative: boolean): string {
  return illustrative
    ? `illustrative demo prices from ${fileName}, not CMS payment limits`
    : `CMS ASP pricing file ${fileName}`;
}

/**
 * prices.json entries for the codes the catalog holds. A dosage that disagrees with the code's
 * billing unit is an error: the limit is per that dosage, so it would price every unit wrongly.
 */
export function pricesFromRows(
  rows: readonly PricingRow[],
  codesFile: CodesFile,
  options: PriceImportOptions,
): { prices: PriceEntry[]; summary: PriceImportSummary } {
  const quarter = parseQuarter(options.quarter);
  const illustrative = options.illustrative === true;
  const source = priceSource(options.fileName, illustrative);
  const codes = new Map(codesFile.codes.map((c) => [c.code, c]));
  const byCode = new Map<string, { entry: PriceEntry; row: number }>();
  let blank = 0;
  let notInCatalog = 0;
  for (const row of rows) {
    if (row.paymentLimit === undefined) {
      blank++;
      continue;
    }
    const code = codes.get(row.code);
    if (!code) {
      notInCatalog++;
      continue;
    }
    if (row.paymentLimit <= 0) {
      throw new ImportError(
        'number-invalid',
        `Payment Limit ${row.paymentLimit} of ${row.code} is not positive`,
        {
          row: row.row,
          column: 'Payment Limit',
        },
      );
    }
    const dosage = parseDosage(row.dosage);
    if (dosage && !sameDosage(dosage, code.unit)) {
      throw new ImportError(
        'dosage-mismatch',
        `HCPCS Code Dosage "${row.dosage}" of ${row.code} differs from the catalog's billing unit ` +
          `(${code.unit.amount} ${code.unit.measure})`,
        { row: row.row, column: 'HCPCS Code Dosage' },
      );
    }
    const seen = byCode.get(row.code);
    if (seen && seen.entry.paymentLimit !== row.paymentLimit) {
      throw new ImportError(
        'code-duplicate',
        `${row.code} is listed again with a different Payment Limit (${seen.entry.paymentLimit} on row ${seen.row})`,
        { row: row.row, column: 'HCPCS Code' },
      );
    }
    if (seen) continue;
    const entry: PriceEntry = { code: row.code, quarter, paymentLimit: row.paymentLimit, source };
    byCode.set(row.code, { entry: illustrative ? { ...entry, illustrative } : entry, row: row.row });
  }
  const prices = [...byCode.values()].map((v) => v.entry);
  return { prices, summary: { imported: prices.length, blank, notInCatalog } };
}

/** Merges by (code, quarter): an imported entry replaces the same code and quarter; the rest stay. */
export function mergePrices(current: PricesFile | undefined, incoming: readonly PriceEntry[]): PricesFile {
  const key = (p: PriceEntry): string => `${p.code}|${p.quarter}`;
  const replaced = new Set(incoming.map(key));
  const prices = [...(current?.prices ?? []).filter((p) => !replaced.has(key(p))), ...incoming];
  prices.sort((a, b) => a.code.localeCompare(b.code) || a.quarter.localeCompare(b.quarter));
  return { ...current, prices };
}
