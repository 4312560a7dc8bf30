/**
 * UCUM quantities the engine understands: masses, volumes, times, and rates built from them.
 * Anything else is "unconvertible" and becomes a documentation gap, never a guess.
 */
import type { Measure } from '../domain/types.ts';

const MASS_IN_MG: Record<string, number> = {
  g: 1000,
  mg: 1,
  ug: 0.001,
  mcg: 0.001,
  µg: 0.001,
  ng: 0.000001,
  kg: 1_000_000,
};
const VOLUME_IN_ML: Record<string, number> = { ml: 1, l: 1000, dl: 100, cl: 10 };
const TIME_IN_MIN: Record<string, number> = {
  s: 1 / 60,
  sec: 1 / 60,
  min: 1,
  h: 60,
  hr: 60,
  hour: 60,
  d: 1440,
  day: 1440,
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

function clean(unit: string): string {
  // Drop UCUM annotations such as {total} and normalise case for the lookup tables below.
  return unit.replace(/\{[^}]*\}/g, '').trim();
}

export function parseAmountUnit(unit: string | undefined, value: number): Amount | undefined {
  if (typeof unit !== 'string') return undefined; // data from a server may hold anything here
  const u = clean(unit);
  const lower = u.toLowerCase();
  // EHRs often send the display unit in capitals ("MG"); UCUM itself is case-sensitive.
  const massFactor = lookup(MASS_IN_MG, u) ?? (u === u.toUpperCase() ? lookup(MASS_IN_MG, lower) : undefined);
  if (massFactor !== undefined) return { kind: 'mass', mg: value * massFactor };
  if (lower === 'mcg') return { kind: 'mass', mg: value * 0.001 };
  const volumeFactor = lookup(VOLUME_IN_ML, lower);
  if (volumeFactor !== undefined) return { kind: 'volume', mL: value * volumeFactor };
  if (u === '[iU]' || u === '[IU]' || lower === 'u' || lower === 'unit' || lower === 'units')
    return { kind: 'unit', units: value };
  return undefined;
}

/** `mL/h`, `mg/h`, `ug/kg/min`, `mcg/kg/min`, `mg/min`, `mL/hr`, `ug/min`. */
export function parseRateUnit(unit: string | undefined, value: number): Rate | undefined {
  if (typeof unit !== 'string') return undefined; // data from a server may hold anything here
  const parts = clean(unit)
    .split('/')
    .map((p) => p.trim());
  if (parts.length < 2 || parts.length > 3) return undefined;
  const time = lookup(TIME_IN_MIN, (parts[parts.length - 1] ?? '').toLowerCase());
  if (time === undefined) return undefined;
  const perKg = parts.length === 3;
  if (perKg && parts[1]?.toLowerCase() !== 'kg') return undefined;
  const amount = parseAmountUnit(parts[0], value / time);
  return amount ? { perMinute: amount, perKg } : undefined;
}

export function timeInMinutes(unit: string | undefined, value: number): number | undefined {
  if (typeof unit !== 'string') return undefined; // data from a server may hold anything here
  const f = lookup(TIME_IN_MIN, clean(unit).toLowerCase());
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

/** Body weight in kg from a UCUM quantity (kg, g, [lb_av]). */
export function weightInKg(unit: string | undefined, value: number): number | undefined {
  if (typeof unit !== 'string') return undefined; // data from a server may hold anything here
  const u = clean(unit);
  if (u === 'kg') return value;
  if (u === 'g') return value / 1000;
  if (u === '[lb_av]' || u.toLowerCase() === 'lb' || u.toLowerCase() === 'lbs') return value * 0.45359237;
  return undefined;
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

/** A volume as mass through a concentration; masses and units as they are. */
export function toMass(a: Amount, mgPerMl: number | undefined): Amount | undefined {
  if (a.kind !== 'volume') return a;
  return mgPerMl ? { kind: 'mass', mg: a.mL * mgPerMl } : undefined;
}
