/**
 * UCUM quantities the engine understands: masses, volumes, times, and rates built from them.
 * Anything else is "unconvertible" and becomes a documentation gap, never a guess.
 */
import type { Measure } from '../domain/types.ts';

/**
 * Unit spellings, lower case: UCUM codes (`mg`, `ug`, `mL`, `h`, `[lb_av]`) and the text EHRs
 * send in `Quantity.unit` (`MG`, `milligram`, `mcg`, `mL/hr`, `KG`, `lbs`). UCUM is
 * case-sensitive, but no dose is ever charted in megagrams: `Mg` and `MG` read as mg.
 */
const MASS_IN_MG: Record<string, number> = {
  g: 1000,
  gm: 1000,
  gram: 1000,
  grams: 1000,
  mg: 1,
  milligram: 1,
  milligrams: 1,
  ug: 0.001,
  mcg: 0.001,
  µg: 0.001,
  μg: 0.001,
  microgram: 0.001,
  micrograms: 0.001,
  ng: 0.000001,
  nanogram: 0.000001,
  nanograms: 0.000001,
  kg: 1_000_000,
  kilogram: 1_000_000,
  kilograms: 1_000_000,
};
const VOLUME_IN_ML: Record<string, number> = {
  ml: 1,
  milliliter: 1,
  milliliters: 1,
  millilitre: 1,
  millilitres: 1,
  cc: 1,
  l: 1000,
  liter: 1000,
  liters: 1000,
  litre: 1000,
  litres: 1000,
  dl: 100,
  cl: 10,
};
const UNIT_COUNTS = new Set([
  '[iu]',
  'iu',
  'u',
  'unit',
  'units',
  'international unit',
  'international units',
]);
const TIME_IN_MIN: Record<string, number> = {
  s: 1 / 60,
  sec: 1 / 60,
  secs: 1 / 60,
  second: 1 / 60,
  seconds: 1 / 60,
  min: 1,
  mins: 1,
  minute: 1,
  minutes: 1,
  h: 60,
  hr: 60,
  hrs: 60,
  hour: 60,
  hours: 60,
  d: 1440,
  day: 1440,
  days: 1440,
};
const WEIGHT_IN_KG: Record<string, number> = {
  kg: 1,
  kilogram: 1,
  kilograms: 1,
  g: 0.001,
  gram: 0.001,
  grams: 0.001,
  '[lb_av]': 0.45359237,
  lb: 0.45359237,
  lbs: 0.45359237,
  pound: 0.45359237,
  pounds: 0.45359237,
  '[oz_av]': 0.028349523125,
  oz: 0.028349523125,
  ounce: 0.028349523125,
  ounces: 0.028349523125,
};

export type Amount =
  | { readonly kind: 'mass'; readonly mg: number }
  | { readonly kind: 'volume'; readonly mL: number }
  | { readonly kind: 'unit'; readonly units: number };

/** Rate of delivery: amount per minute, optionally per kg of body weight. */
export interface Rate {
  readonly perMinute: Amount;
  readonly perKg: boolean;
}

/** A table entry only for the table's own keys: "constructor" or "toString" is not a unit. */
function lookup(table: Record<string, number>, key: string): number | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Without UCUM annotations such as {total}, trimmed, inner spaces collapsed, lower case. */
function clean(unit: string): string {
  let c = cleaned.get(unit);
  if (c === undefined) {
    c = unit
      .replace(/\{[^}]*\}/g, '')
      .trim()
      .replace(/\s+/g, ' ')
      .toLowerCase();
    // The same few unit spellings come back on every administration: remember them (bounded).
    if (cleaned.size < 1024) cleaned.set(unit, c);
  }
  return c;
}
const cleaned = new Map<string, string>();

export function parseAmountUnit(unit: string | undefined, value: number): Amount | undefined {
  if (typeof unit !== 'string') return undefined; // data from a server may hold anything here
  const u = clean(unit);
  const mass = lookup(MASS_IN_MG, u);
  if (mass !== undefined) return { kind: 'mass', mg: value * mass };
  const volume = lookup(VOLUME_IN_ML, u);
  if (volume !== undefined) return { kind: 'volume', mL: value * volume };
  if (UNIT_COUNTS.has(u)) return { kind: 'unit', units: value };
  return undefined;
}

/**
 * A weight-based dose unit (`mg/kg`, `mcg/kg`, `[iU]/kg`, `units/kg`): the amount per kg of body
 * weight. Only per kg: a dose per gram or per pound of body weight is not charted.
 */
export function parsePerKgAmountUnit(unit: string | undefined, value: number): Amount | undefined {
  if (typeof unit !== 'string') return undefined; // data from a server may hold anything here
  const parts = clean(unit)
    .split('/')
    .map((p) => p.trim());
  if (parts.length !== 2 || lookup(WEIGHT_IN_KG, parts[1] ?? '') !== 1) return undefined;
  return parseAmountUnit(parts[0], value);
}

/**
 * `mL/h`, `mg/h`, `ug/kg/min`, `mcg/kg/min`, `mg/min`, `mL/hr`, `ml/hour`, `units/hr`, and the
 * UCUM form with a product in parentheses, `ug/(kg.min)`.
 */
export function parseRateUnit(unit: string | undefined, value: number): Rate | undefined {
  if (typeof unit !== 'string') return undefined; // data from a server may hold anything here
  const parts = clean(unit)
    .replace(/\/\(\s*([^()./]+?)\s*\.\s*([^()./]+?)\s*\)$/, '/$1/$2')
    .split('/')
    .map((p) => p.trim());
  if (parts.length < 2 || parts.length > 3) return undefined;
  const time = lookup(TIME_IN_MIN, parts[parts.length - 1] ?? '');
  if (time === undefined) return undefined;
  const perKg = parts.length === 3;
  if (perKg && lookup(WEIGHT_IN_KG, parts[1] ?? '') !== 1) return undefined;
  const amount = parseAmountUnit(parts[0], value / time);
  return amount ? { perMinute: amount, perKg } : undefined;
}

export function timeInMinutes(unit: string | undefined, value: number): number | undefined {
  if (typeof unit !== 'string') return undefined; // data from a server may hold anything here
  const f = lookup(TIME_IN_MIN, clean(unit));
  return f === undefined ? undefined : value * f;
}

export function scale(a: Amount, factor: number): Amount {
  switch (a.kind) {
    case 'mass':
      return { kind: 'mass', mg: a.mg * factor };
    case 'volume':
      return { kind: 'volume', mL: a.mL * factor };
    case 'unit':
      return { kind: 'unit', units: a.units * factor };
  }
}

/** Body weight in kg: kg, g, [lb_av] / lb, [oz_av] / oz, in any case. */
export function weightInKg(unit: string | undefined, value: number): number | undefined {
  if (typeof unit !== 'string') return undefined; // data from a server may hold anything here
  const f = lookup(WEIGHT_IN_KG, clean(unit));
  return f === undefined ? undefined : value * f;
}

/**
 * Express an amount in a code's measure. Volumes need a concentration (mg per mL);
 * returns undefined when the conversion is impossible.
 */
export function toMeasure(a: Amount, measure: Measure, mgPerMl: number | undefined): number | undefined {
  if (measure === 'unit') return a.kind === 'unit' ? a.units : undefined;
  if (measure === 'mL') {
    if (a.kind === 'volume') return a.mL;
    if (a.kind === 'mass' && mgPerMl) return a.mg / mgPerMl;
    return undefined;
  }
  let mg: number;
  if (a.kind === 'mass') mg = a.mg;
  else if (a.kind === 'volume' && mgPerMl) mg = a.mL * mgPerMl;
  else return undefined;
  return mg / (MASS_IN_MG[measure] as number);
}

/** An amount expressed in mg (or units) from a value in a measure, for container amounts. */
export function fromMeasure(value: number, measure: Measure): Amount {
  if (measure === 'unit') return { kind: 'unit', units: value };
  if (measure === 'mL') return { kind: 'volume', mL: value };
  return { kind: 'mass', mg: value * (MASS_IN_MG[measure] as number) };
}

/** The number in an amount's own measure (mg, mL or units). */
export function amountValue(a: Amount): number {
  return a.kind === 'mass' ? a.mg : a.kind === 'unit' ? a.units : a.mL;
}

/**
 * Drug per mL of a solution: mg (250 mg in 500 mL) or, for a drug measured in units, units
 * (epoetin alfa 10,000 units/mL).
 */
export interface Strength {
  readonly kind: 'mass' | 'unit';
  readonly perMl: number;
}

/** A volume as mass (or units) through a strength; masses and units as they are. */
export function fromVolume(a: Amount, strength: Strength | undefined): Amount | undefined {
  if (a.kind !== 'volume') return a;
  if (!strength || !(strength.perMl > 0)) return undefined;
  return strength.kind === 'mass'
    ? { kind: 'mass', mg: a.mL * strength.perMl }
    : { kind: 'unit', units: a.mL * strength.perMl };
}
