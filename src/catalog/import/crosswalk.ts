/**
 * The CMS ASP NDC-HCPCS crosswalk (BILLING.md section 7): parsing the quarterly CSV, and merging
 * its rows into the catalog's products.json. Both are pure; the caller reads and writes files.
 */
import { normalizeNdc } from '../ndc.ts';
import type { CodesFile, ProductsFile } from '../schema.ts';
import { locateColumns, massInMg, parseDosage, readCsvRows, RowReader, sameDosage } from './cms-csv.ts';
import type { ColumnSpec } from './cms-csv.ts';

export interface CrosswalkRow {
  /** 1-based line of the CSV. */
  readonly row: number;
  /** HCPCS code as listed (the `_<YYYY>_CODE` column), upper-cased. */
  readonly hcpcs: string;
  readonly shortDescription: string;
  readonly labeler: string;
  /** 11-digit NDC (5-4-2, no hyphens). */
  readonly ndc: string;
  readonly drugName: string;
  /** HCPCS dosage as listed, e.g. `125 MG`. */
  readonly dosage: string;
  /** Amount per item, in whatever the item is measured in (mL for solutions, mg for some powders). */
  readonly pkgSize: number;
  /** Items per package. */
  readonly pkgQty: number;
  /** Billing units per item. */
  readonly billUnits: number;
  /** Billing units per package. */
  readonly billUnitsPkg: number;
}

const COLUMNS = {
  hcpcs: { label: '_<YYYY>_CODE', names: [/^_\d{4}_code$/] },
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

/** Parses the crosswalk CSV; throws an ImportError naming the line and column of the first bad cell. */
export function parseCrosswalk(input: Uint8Array): CrosswalkRow[] {
  const table = locateColumns(readCsvRows(input), COLUMNS);
  return table.body.map((row) => {
    const r: RowReader<keyof typeof COLUMNS> = new RowReader(table, row);
    const ndcText = r.required('ndc');
    const ndc = normalizeNdc(ndcText);
    if (!ndc) r.fail('ndc-malformed', 'ndc', `${table.name.ndc} "${ndcText}" is not a valid NDC`);
    return {
      row: r.line,
      hcpcs: r.required('hcpcs').toUpperCase(),
      shortDescription: r.text('shortDescription'),
      labeler: r.text('labeler'),
      ndc,
      drugName: r.text('drugName'),
      dosage: r.text('dosage'),
      pkgSize: r.number('pkgSize'),
      pkgQty: r.number('pkgQty'),
      billUnits: r.number('billUnits'),
      billUnitsPkg: r.number('billUnitsPkg'),
    };
  });
}

export interface CrosswalkSummary {
  /** New products. */
  readonly added: number;
  /** Products already in the catalog that gained a HCPCS code. */
  readonly updated: number;
  /** Rows not used (see `skippedRows`). */
  readonly skipped: number;
}

export interface SkippedRow {
  readonly row: number;
  readonly reason: string;
}

export interface CrosswalkMerge {
  readonly products: ProductsFile;
  readonly summary: CrosswalkSummary;
  readonly skippedRows: readonly SkippedRow[];
}

type Product = ProductsFile['products'][number];
type Code = CodesFile['codes'][number];

export function crosswalkSource(fileName: string): string {
  return `CMS ASP NDC-HCPCS crosswalk ${fileName}`;
}

/**
 * Merges crosswalk rows into products.json. An NDC already in the catalog (as a package or an
 * outer package) gains the row's code if missing and keeps every other field; a new NDC becomes a
 * product when its code is in codes.json. Rows of codes the catalog does not hold are skipped:
 * the catalog only holds codes with a source.
 */
export function mergeCrosswalk(
  current: ProductsFile,
  codesFile: CodesFile,
  rows: readonly CrosswalkRow[],
  fileName: string,
): CrosswalkMerge {
  const source = crosswalkSource(fileName);
  const codes = new Map(codesFile.codes.map((c) => [c.code, c]));
  const products: Product[] = [...current.products];
  const slotByNdc = new Map<string, number>();
  products.forEach((p, i) => {
    slotByNdc.set(p.ndc, i);
    for (const outer of p.outerNdcs ?? []) slotByNdc.set(outer, i);
  });
  const originalCount = products.length;
  /** For products added here: the row their amount came from, which a better row may replace. */
  const basisBySlot = new Map<number, AmountBasis>();
  const updatedSlots = new Set<number>();
  const skippedRows: SkippedRow[] = [];

  for (const row of rows) {
    const code = codes.get(row.hcpcs);
    if (!code) {
      skippedRows.push({ row: row.row, reason: `${row.hcpcs} is not in codes.json` });
      continue;
    }
    const slot = slotByNdc.get(row.ndc);
    const existing = slot === undefined ? undefined : products[slot];
    if (slot === undefined || !existing) {
      if (row.billUnits <= 0) {
        skippedRows.push({ row: row.row, reason: `BILLUNITS is 0, so the amount of ${row.ndc} is unknown` });
        continue;
      }
      const basis = amountBasis(row, code);
      const added = products.push({
        ndc: row.ndc,
        description: row.drugName || row.shortDescription || code.descriptor,
        labeler: row.labeler || 'not named in the crosswalk',
        ingredient: code.ingredient,
        hcpcs: [code.code],
        amount: basis.amount,
        source: source + basis.note,
      });
      slotByNdc.set(row.ndc, added - 1);
      basisBySlot.set(added - 1, basis);
      continue;
    }
    if (existing.ingredient !== code.ingredient) {
      // The crosswalk and the catalog disagree about the drug: a person has to decide.
      skippedRows.push({
        row: row.row,
        reason: `${code.code} is ${code.ingredient} but ${existing.ndc} is ${existing.ingredient}`,
      });
      continue;
    }
    const hcpcs = existing.hcpcs.includes(code.code) ? existing.hcpcs : [...existing.hcpcs, code.code];
    const basis = basisBySlot.get(slot);
    if (basis) {
      // Added by this import: one NDC under several codes; the finest code gives the truest amount.
      const better = amountBasis(row, code);
      const use = compareBasis(better, basis) < 0 ? better : basis;
      basisBySlot.set(slot, use);
      products[slot] = { ...existing, hcpcs, amount: use.amount, source: source + use.note };
    } else if (hcpcs !== existing.hcpcs) {
      products[slot] = { ...existing, hcpcs, source: `${existing.source}; ${code.code} from ${source}` };
      updatedSlots.add(slot);
    }
  }

  return {
    products: { ...current, products },
    summary: {
      added: products.length - originalCount,
      updated: updatedSlots.size,
      skipped: skippedRows.length,
    },
    skippedRows,
  };
}

/** How a row gives a product's drug amount, and how far to trust it. */
interface AmountBasis {
  readonly amount: Product['amount'];
  /** Appended to the source when the amount needs checking against the label. */
  readonly note: string;
  /** 0: a mass dose "per" the code's unit; 1: "up to" the unit, so at most; 2: not a mass dose. */
  readonly tier: 0 | 1 | 2;
  /** The code's billing unit in mg (smaller is finer), Infinity when not a mass. */
  readonly unitMg: number;
}

/**
 * For a mass dose the drug amount per item is BILLUNITS x the code's billing unit (PKG SIZE is in
 * mL for solutions, so it cannot be used). For an "up to" code that is an upper bound. Otherwise
 * the amount is still what the row says in billing units, and the source says to check it.
 */
function amountBasis(row: CrosswalkRow, code: Code): AmountBasis {
  const amount = { value: round(row.billUnits * code.unit.amount), measure: code.unit.measure };
  const listed = `(row ${row.row}: HCPCS dosage "${row.dosage}", PKG SIZE ${row.pkgSize}, BILLUNITS ${row.billUnits})`;
  const dosage = parseDosage(row.dosage);
  const unitMg = massInMg(code.unit);
  if (!dosage || unitMg === undefined || !sameDosage(dosage, code.unit)) {
    return {
      amount,
      note: `; amount unverified, not a mass dose of ${code.code} ${listed}`,
      tier: 2,
      unitMg: Infinity,
    };
  }
  if (/\bup to\b/i.test(code.descriptor)) {
    const unit = `${code.unit.amount} ${code.unit.measure}`;
    return {
      amount,
      note: `; amount unverified, BILLUNITS x ${code.code} (up to ${unit}) is an upper bound of the content ${listed}`,
      tier: 1,
      unitMg,
    };
  }
  return { amount, note: '', tier: 0, unitMg };
}

function compareBasis(a: AmountBasis, b: AmountBasis): number {
  return a.tier - b.tier || a.unitMg - b.unitMg;
}

/** Float noise from BILLUNITS x unit (0.8 x 125) should not reach the catalog. */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
