/**
 * Parsers of the CMS hospital price transparency machine-readable file (45 CFR 180.50), CMS
 * template v2.0 or later, CSV ("tall" or "wide") and JSON, into chargemaster entries. Only what
 * a claim line needs is read: description, codes, setting, drug unit of measurement, gross charge
 * and discounted cash price; payer-specific charges are not. A file that breaks the template's
 * rules for those elements is refused with the row (CSV) or JSON path of the first problem
 * (docs/chargemaster.md lists the rules and their source). Pure: text or parsed JSON in.
 */
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { candidatesFor10Digit, normalizeNdc } from './ndc.ts';
import {
  ChargemasterError,
  DRUG_MEASUREMENT_TYPES,
  type ChargeEntry,
  type ChargemasterData,
  type ChargeSetting,
  type DrugMeasurementType,
} from './chargemaster.ts';

/** `code|[i]|type` valid values (CMS data dictionary v2.2 "Additional Notes Concerning Code Types"; v3.0 adds CMG and MS-LTC-DRG). */
export const CODE_TYPES = [
  'CPT',
  'NDC',
  'HCPCS',
  'RC',
  'ICD',
  'DRG',
  'MS-DRG',
  'R-DRG',
  'S-DRG',
  'APS-DRG',
  'AP-DRG',
  'APR-DRG',
  'APC',
  'LOCAL',
  'EAPG',
  'HIPPS',
  'CDT',
  'CDM',
  'TRIS-DRG',
  'CMG',
  'MS-LTC-DRG',
] as const;
type CodeType = (typeof CODE_TYPES)[number];

const SETTINGS: readonly ChargeSetting[] = ['inpatient', 'outpatient', 'both'];
/** A HCPCS code: Level II (J1745) or Level I (CPT, reported as HCPCS by some hospitals). */
const HCPCS_CODE = /^[A-Z0-9]{5}$/;
/** CMS: numeric elements are plain positive numbers (no dollar sign, no thousands separator). */
const NUMERIC = /^(\d+(\.\d*)?|\.\d+)$/;

interface Code {
  readonly code: string;
  readonly type: CodeType;
}

/** Codes of one item, sorted into what a claim line is matched by. */
function sortCodes(codes: readonly Code[], fail: (i: number, message: string) => never) {
  const hcpcs: string[] = [];
  const ndcs: string[] = [];
  let chargeCode: string | undefined;
  codes.forEach(({ code, type }, i) => {
    if (type === 'HCPCS') {
      const c = code.toUpperCase();
      if (!HCPCS_CODE.test(c)) fail(i, `"${code}" is not a HCPCS code`);
      if (!hcpcs.includes(c)) hcpcs.push(c);
    } else if (type === 'NDC') {
      // An unhyphenated 10-digit NDC has no segment boundaries: it is indexed under each of the
      // three 11-digit forms it can stand for (only the product's own form is ever billed).
      const forms = normalizeNdc(code) ? [normalizeNdc(code)!] : candidatesFor10Digit(code);
      if (!forms.length) fail(i, `"${code}" is not an NDC (5-4-2, 4-4-2, 5-3-2, 5-4-1, 10 or 11 digits)`);
      for (const n of forms) if (!ndcs.includes(n)) ndcs.push(n);
    } else if ((type === 'CDM' || type === 'LOCAL') && chargeCode === undefined) {
      chargeCode = code;
    }
  });
  return { hcpcs, ndcs, ...(chargeCode !== undefined ? { chargeCode } : {}) };
}

/** ISO date from `last_updated_on`: ISO 8601, or M/D/YYYY and MM/DD/YYYY, which CMS accepts in CSV. */
function isoDate(text: string): string | undefined {
  const t = text.trim();
  let y: number, m: number, d: number;
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (us) [y, m, d] = [Number(us[3]), Number(us[1]), Number(us[2])];
  else return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return undefined;
  return date.toISOString().slice(0, 10);
}

/** The template version must be 2.0 or later: version 1 files have none of the elements read here. */
function checkVersion(version: string, where: string): string {
  const m = /^v?(\d+)(\.\d+)*$/i.exec(version.trim());
  if (!m || Number(m[1]) < 2) {
    throw new ChargemasterError(`${where}: version "${version}" is not CMS template v2.0 or later`);
  }
  return version.trim();
}

// ---------------------------------------------------------------------------------------------
// CSV

function headerKey(cell: string): string {
  return cell
    .trim()
    .toLowerCase()
    .replace(/\s*\|\s*/g, '|')
    .replace(/\s+/g, ' ');
}

function blank(cells: readonly string[]): boolean {
  return cells.every((c) => c.trim() === '');
}

/**
 * CSV "tall" or "wide" (CMS CSV data dictionary): row 1 names the general data elements, row 2
 * holds their values, row 3 is the header of the items, which start on row 4. Rows are numbered
 * as a spreadsheet numbers them (a quoted cell with a line break stays in its row).
 */
export function parseChargemasterCsv(text: string): ChargemasterData {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: false });
  } catch (err) {
    const lines = (err as { lines?: unknown }).lines;
    throw new ChargemasterError(
      `not valid CSV${typeof lines === 'number' ? ` near line ${lines}` : ''}: ${(err as Error).message}`,
    );
  }
  const general = rows[0] ?? [];
  const values = rows[1] ?? [];
  const generalAt = (name: string) => general.findIndex((c) => headerKey(c) === name);
  const generalValue = (name: string): string => {
    const i = generalAt(name);
    if (i < 0) {
      throw new ChargemasterError(
        `row 1: no "${name}" column (a CMS template v2.0+ file names its general data elements on row 1)`,
      );
    }
    const v = (values[i] ?? '').trim();
    if (!v) throw new ChargemasterError(`row 2: ${name} is blank`);
    return v;
  };
  const hospitalName = generalValue('hospital_name');
  const lastUpdated = generalValue('last_updated_on');
  const lastUpdatedOn = isoDate(lastUpdated);
  if (!lastUpdatedOn) {
    throw new ChargemasterError(
      `row 2: last_updated_on "${lastUpdated}" is not a date (YYYY-MM-DD or MM/DD/YYYY)`,
    );
  }
  const version = checkVersion(generalValue('version'), 'row 2');

  const header = (rows[2] ?? []).map(headerKey);
  const col = new Map<string, number>();
  header.forEach((h, i) => {
    if (!h) return;
    if (col.has(h)) throw new ChargemasterError(`row 3: column "${h}" appears twice`);
    col.set(h, i);
  });
  const need = (name: string): number => {
    const i = col.get(name);
    if (i === undefined) throw new ChargemasterError(`row 3: no "${name}" column`);
    return i;
  };
  const c = {
    description: need('description'),
    setting: need('setting'),
    gross: need('standard_charge|gross'),
    drugUnit: need('drug_unit_of_measurement'),
    drugType: need('drug_type_of_measurement'),
    cash: col.get('standard_charge|discounted_cash'),
    modifiers: col.get('modifiers'),
  };
  const codeColumns: { n: string; code: number; type: number }[] = [];
  for (const [h, i] of col) {
    const m = /^code\|(\d+)$/.exec(h);
    if (!m) continue;
    const type = col.get(`code|${m[1]}|type`);
    if (type === undefined) throw new ChargemasterError(`row 3: "${h}" has no "code|${m[1]}|type" column`);
    codeColumns.push({ n: m[1]!, code: i, type });
  }
  if (!codeColumns.length) throw new ChargemasterError('row 3: no "code|1" and "code|1|type" columns');
  codeColumns.sort((a, b) => Number(a.n) - Number(b.n));
  const format = col.has('payer_name') ? 'csv-tall' : 'csv-wide';

  const entries: ChargeEntry[] = [];
  let skipped = 0;
  for (let r = 3; r < rows.length; r++) {
    const cells = rows[r]!;
    if (blank(cells)) continue;
    const where = `row ${r + 1}`;
    const cell = (i: number | undefined) => (i === undefined ? '' : (cells[i] ?? '').trim());
    const fail = (message: string): never => {
      throw new ChargemasterError(`${where}: ${message}`);
    };
    const number = (i: number | undefined, name: string): number | undefined => {
      const v = cell(i);
      if (!v) return undefined;
      if (!NUMERIC.test(v) || !(Number(v) > 0)) fail(`${name} "${v}" is not a positive number`);
      return Number(v);
    };

    const description = cell(c.description);
    if (!description) fail('description is blank');
    const setting = cell(c.setting).toLowerCase() as ChargeSetting;
    if (!SETTINGS.includes(setting))
      fail(`setting "${cell(c.setting)}" is not inpatient, outpatient or both`);

    const codes: Code[] = [];
    const codeCol: string[] = [];
    for (const { n, code, type } of codeColumns) {
      const value = cell(code);
      const kind = cell(type).toUpperCase();
      if (value && !kind) fail(`code|${n} "${value}" has no code|${n}|type`);
      if (kind && !value) fail(`code|${n}|type ${kind} has no code|${n}`);
      if (!value) continue;
      if (!(CODE_TYPES as readonly string[]).includes(kind))
        fail(`code|${n}|type "${cell(type)}" is not a CMS code type`);
      codes.push({ code: value, type: kind as CodeType });
      codeCol.push(`code|${n}`);
    }
    const sorted = sortCodes(codes, (i, message) => fail(`${codeCol[i]} ${message}`));

    const unit = number(c.drugUnit, 'drug_unit_of_measurement');
    const typeText = cell(c.drugType).toUpperCase();
    if (unit !== undefined && !typeText) fail('drug_unit_of_measurement has no drug_type_of_measurement');
    if (typeText && unit === undefined) fail('drug_type_of_measurement has no drug_unit_of_measurement');
    if (typeText && !(DRUG_MEASUREMENT_TYPES as readonly string[]).includes(typeText)) {
      fail(
        `drug_type_of_measurement "${cell(c.drugType)}" is not one of ${DRUG_MEASUREMENT_TYPES.join(', ')}`,
      );
    }
    if (sorted.ndcs.length && unit === undefined) {
      fail('an NDC item needs drug_unit_of_measurement and drug_type_of_measurement');
    }
    const gross = number(c.gross, 'standard_charge|gross');
    const cash = number(c.cash, 'standard_charge|discounted_cash');
    const modifiers = cell(c.modifiers)
      .split('|')
      .map((m) => m.trim().toUpperCase())
      .filter(Boolean);

    if (gross === undefined || (!sorted.hcpcs.length && !sorted.ndcs.length)) {
      skipped++;
      continue;
    }
    entries.push({
      description,
      ...sorted,
      setting,
      modifiers,
      grossCharge: gross,
      ...(cash !== undefined ? { discountedCash: cash } : {}),
      ...(unit !== undefined ? { drugUnit: { amount: unit, type: typeText as DrugMeasurementType } } : {}),
      where,
    });
  }
  return { info: { hospitalName, lastUpdatedOn, version, format }, entries, skipped };
}

// ---------------------------------------------------------------------------------------------
// JSON

const upper = (v: unknown) => (typeof v === 'string' ? v.trim().toUpperCase() : v);
const lower = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : v);
const positive = z.number().positive('must be a positive number');
/** `drug_information.unit` is a string in the v2 schemas and a number in the v3 example. */
const positiveNumeric = z.union([
  positive,
  z.string().trim().regex(NUMERIC, 'must be a positive number').transform(Number).pipe(positive),
]);

const jsonSchema = z.looseObject({
  hospital_name: z.string().trim().min(1),
  last_updated_on: z.string(),
  version: z.string().trim().min(1),
  standard_charge_information: z
    .array(
      z.looseObject({
        description: z.string().trim().min(1),
        drug_information: z
          .looseObject({
            unit: positiveNumeric,
            type: z.preprocess(
              upper,
              z.enum(DRUG_MEASUREMENT_TYPES, 'is not a CMS drug type of measurement'),
            ),
          })
          .optional(),
        code_information: z
          .array(
            z.looseObject({
              code: z.string().trim().min(1),
              type: z.preprocess(upper, z.enum(CODE_TYPES, 'is not a CMS code type')),
            }),
          )
          .min(1),
        standard_charges: z
          .array(
            z.looseObject({
              setting: z.preprocess(
                lower,
                z.enum(['inpatient', 'outpatient', 'both'], 'is not inpatient, outpatient or both'),
              ),
              gross_charge: positive.optional(),
              discounted_cash: positive.optional(),
            }),
          )
          .min(1),
      }),
    )
    .min(1),
});

function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : `${s}.${String(k)}`), '$');
}

/** JSON (CMS JSON schema v2.0.0 to v3.0.0): `standard_charge_information[]` with codes, drug information and charges. */
export function parseChargemasterJson(raw: unknown): ChargemasterData {
  const parsed = jsonSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ChargemasterError(`${jsonPath(issue.path)}: ${issue.message}`);
  }
  const doc = parsed.data;
  const lastUpdatedOn = /^\d{4}-\d{2}-\d{2}$/.test(doc.last_updated_on.trim())
    ? isoDate(doc.last_updated_on)
    : undefined;
  if (!lastUpdatedOn) {
    throw new ChargemasterError(
      `$.last_updated_on: "${doc.last_updated_on}" is not an ISO 8601 date (YYYY-MM-DD)`,
    );
  }
  const version = checkVersion(doc.version, '$.version');
  const entries: ChargeEntry[] = [];
  let skipped = 0;
  doc.standard_charge_information.forEach((item, i) => {
    const at = `$.standard_charge_information[${i}]`;
    const sorted = sortCodes(item.code_information, (k, message) => {
      throw new ChargemasterError(`${at}.code_information[${k}].code: ${message}`);
    });
    const drug = item.drug_information;
    if (sorted.ndcs.length && !drug) {
      throw new ChargemasterError(`${at}: an NDC item needs drug_information (unit and type)`);
    }
    item.standard_charges.forEach((charge, k) => {
      if (charge.gross_charge === undefined || (!sorted.hcpcs.length && !sorted.ndcs.length)) {
        skipped++;
        return;
      }
      entries.push({
        description: item.description,
        ...sorted,
        setting: charge.setting,
        modifiers: [],
        grossCharge: charge.gross_charge,
        ...(charge.discounted_cash !== undefined ? { discountedCash: charge.discounted_cash } : {}),
        ...(drug ? { drugUnit: { amount: drug.unit, type: drug.type } } : {}),
        where: `${at}.standard_charges[${k}]`,
      });
    });
  });
  return {
    info: { hospitalName: doc.hospital_name, lastUpdatedOn, version, format: 'json' },
    entries,
    skipped,
  };
}
