/** Small arithmetic over the amounts of a line's administrations. */
import type { HcpcsCode } from '../../catalog/types.ts';
import type { Fact } from '../facts.ts';
import { type Amount, toMeasure } from '../quantity.ts';

export function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** The total of amounts of one kind (units, or mL for codes billed per mL); else of their masses. */
export function sumAmounts(xs: readonly Amount[]): Amount {
  if (xs.every((x) => x.kind === 'unit'))
    return { kind: 'unit', units: sum(xs.map((x) => (x.kind === 'unit' ? x.units : 0))) };
  if (xs.length > 0 && xs.every((x) => x.kind === 'volume'))
    return { kind: 'volume', mL: sum(xs.map((x) => (x.kind === 'volume' ? x.mL : 0))) };
  return { kind: 'mass', mg: sum(xs.map((x) => (x.kind === 'mass' ? x.mg : 0))) };
}

/** An amount in a code's measure, or undefined when it cannot be expressed in it. */
export function inMeasure(a: Amount, code: HcpcsCode, mgPerMl?: number): number | undefined {
  return toMeasure(a, code.unit.measure, mgPerMl);
}

/** An amount in the fact's own kind (mass, units or mL), for conversion into a code's measure. */
export function massOrUnits(f: Fact, value: number): Amount {
  switch (f.given.kind) {
    case 'unit':
      return { kind: 'unit', units: value };
    case 'volume':
      return { kind: 'volume', mL: value };
    case 'mass':
      return { kind: 'mass', mg: value };
  }
}

/** A mass for a sentence a clinician reads. */
export function fmt(n: number): string {
  return `${Math.round(n * 1000) / 1000} mg`;
}

export function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}
