/**
 * The billing unit of a HCPCS code as the ASP pricing file's `HCPCS Code Dosage` column writes it
 * ("5 MG", "UP TO 40 Units", "100,000 UNITS", "1 I.U. VWF:RCO", "PER VIAL", "1 SQ CM"...).
 * A code bills by amount only when its dosage is a plain amount of mg, mcg, g, mL or units; a
 * per-item dosage (vial, dose, implant) or another measure (sq cm, microcurie, mEq) is parsed but
 * cannot be billed by amount; anything else (combinations, ranges) is left unparsed and reported,
 * never guessed. Pure.
 */
import type { Measure } from '../../domain/types.ts';

export type BillingUnit =
  /** An amount of a measure the engine converts doses into. */
  | {
      readonly kind: 'amount';
      readonly amount: number;
      readonly measure: Measure;
      /** "up to X": bills like "per X" (ceil(dose / X)), but a container's amount is only bounded. */
      readonly upTo: boolean;
    }
  /** One billing unit per item: a vial, a dose, an implant, an applicator... */
  | { readonly kind: 'item'; readonly per: string }
  /** An amount of a measure no dose is converted into (area, radioactivity, cells, mEq). */
  | { readonly kind: 'other'; readonly amount: number; readonly measure: string }
  | { readonly kind: 'unparsed'; readonly reason: string };

const MEASURES: Readonly<Record<string, Measure>> = {
  mg: 'mg',
  mgs: 'mg',
  milligram: 'mg',
  milligrams: 'mg',
  mcg: 'ug',
  ug: 'ug',
  microgram: 'ug',
  micrograms: 'ug',
  g: 'g',
  gm: 'g',
  gram: 'g',
  grams: 'g',
  ml: 'mL',
  cc: 'mL',
  milliliter: 'mL',
  milliliters: 'mL',
  unit: 'unit',
  units: 'unit',
  iu: 'unit',
  'i.u.': 'unit',
  'usp unit': 'unit',
  'usp units': 'unit',
  'international unit': 'unit',
  'international units': 'unit',
};

/** Measures that are parsed but that no documented dose is converted into. */
const OTHER_MEASURES: Readonly<Record<string, string>> = {
  'sq cm': 'sq cm',
  'square centimeter': 'sq cm',
  'square centimeters': 'sq cm',
  microcurie: 'uCi',
  microcuries: 'uCi',
  millicurie: 'mCi',
  millicuries: 'mCi',
  meq: 'mEq',
  'million pfu': 'million PFU',
};

/** Per-item dosages: the item billed, by the words CMS uses. */
const ITEMS: readonly (readonly [RegExp, string])[] = [
  [/^(?:1 |per )?vial$/, 'vial'],
  [/^(?:1 )?(?:each|ea)$/, 'each'],
  [/^(?:1 |per )(?:therapeutic )?dose$/, 'dose'],
  [/^per implant$/, 'implant'],
  [/^per infusion\b.*$/, 'infusion'],
  [/^per [\d.]+ ?mg single-use applicator$/, 'applicator'],
];

const NUMBER = String.raw`(\d{1,3}(?:,\d{3})+|\d*\.?\d+)`;
const PLAIN = new RegExp(`^(up to |per )?${NUMBER} ?([a-z.]+(?: [a-z.]+)?)$`);
/** "50 MCG (250 IU)": the same dose in a second measure; the first one is the billing unit. */
const EQUIVALENT = new RegExp(`^${NUMBER} ?([a-z.]+) \\(${NUMBER} ?([a-z.]+)\\)$`);

function normalise(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

function amountOf(text: string): number {
  return Number(text.replace(/,/g, ''));
}

/** Parses a `HCPCS Code Dosage` cell (or the amount in a long descriptor). */
export function parseBillingUnit(dosage: string): BillingUnit {
  const t = normalise(dosage);
  if (t === '') return { kind: 'unparsed', reason: 'the dosage is blank' };
  for (const [re, per] of ITEMS) if (re.test(t)) return { kind: 'item', per };
  // Clotting factors billed per international unit of the named activity.
  if (/^per factor [ivx]+ i\.?u\.?$/.test(t))
    return { kind: 'amount', amount: 1, measure: 'unit', upTo: false };
  const vwf = /^(\d*\.?\d+) i\.u\. vwf:rco$/.exec(t);
  if (vwf?.[1]) return { kind: 'amount', amount: Number(vwf[1]), measure: 'unit', upTo: false };

  const eq = EQUIVALENT.exec(t);
  if (eq) {
    const [, a = '', m = '', , m2 = ''] = eq;
    const measure = MEASURES[m];
    if (measure && MEASURES[m2] && MEASURES[m2] !== measure && amountOf(a) > 0) {
      return { kind: 'amount', amount: amountOf(a), measure, upTo: false };
    }
    return { kind: 'unparsed', reason: 'two amounts that are not the same dose in two measures' };
  }
  const m = PLAIN.exec(t);
  if (!m) return { kind: 'unparsed', reason: unparsedReason(t) };
  const [, prefix = '', number = '', word = ''] = m;
  const amount = amountOf(number);
  if (!(amount > 0)) return { kind: 'unparsed', reason: 'the amount is not positive' };
  const measure = MEASURES[word];
  if (measure) return { kind: 'amount', amount, measure, upTo: prefix === 'up to ' };
  const other = OTHER_MEASURES[word];
  if (other) return { kind: 'other', amount, measure: other };
  return { kind: 'unparsed', reason: `"${word}" is not a measure the catalog knows` };
}

function unparsedReason(t: string): string {
  if (/[/&]|\d ?[a-z]+ ?- ?\d/.test(t)) return 'a combination of several amounts';
  if (/less than|greater than|days? of therapy|\d ?- ?\d/.test(t)) return 'a range, not one billing unit';
  if (/cells?\b/.test(t)) return 'a cell count';
  return 'not an amount and measure';
}

/** How the unit is written for people: `5 mg`, `up to 40 units`, `per vial`. */
export function describeUnit(unit: BillingUnit): string {
  switch (unit.kind) {
    case 'amount':
      return `${unit.upTo ? 'up to ' : ''}${unit.amount} ${unit.measure === 'unit' ? 'units' : unit.measure}`;
    case 'item':
      return `per ${unit.per}`;
    case 'other':
      return `${unit.amount} ${unit.measure}`;
    case 'unparsed':
      return 'not parsed';
  }
}

/** True when two units bill the same amount (mass compared across mcg, mg and g). */
export function sameUnit(a: BillingUnit, b: BillingUnit): boolean {
  if (a.kind === 'amount' && b.kind === 'amount') {
    const ma = inMg(a.amount, a.measure);
    const mb = inMg(b.amount, b.measure);
    if (ma !== undefined && mb !== undefined) return Math.abs(ma - mb) < 1e-9;
    return a.measure === b.measure && a.amount === b.amount;
  }
  if (a.kind === 'item' && b.kind === 'item') return a.per === b.per;
  if (a.kind === 'other' && b.kind === 'other') return a.measure === b.measure && a.amount === b.amount;
  return false;
}

const MG_PER: Readonly<Partial<Record<Measure, number>>> = { ug: 0.001, mg: 1, g: 1000 };

export function inMg(amount: number, measure: Measure): number | undefined {
  const f = MG_PER[measure];
  return f === undefined ? undefined : amount * f;
}
