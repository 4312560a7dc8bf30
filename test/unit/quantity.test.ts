/**
 * UCUM quantities (SPEC 4.3): mass, volume, time and rate parsing, and conversion into a
 * billing code's measure. Unknown units are "unconvertible", never a guess.
 */
import { describe, expect, it } from 'vitest';
import {
  fromMeasure,
  parseAmountUnit,
  parseRateUnit,
  scale,
  timeInMinutes,
  toMeasure,
  weightInKg,
  type Amount,
} from '../../src/rules/quantity.ts';

function mg(a: Amount | undefined): number | undefined {
  return a?.kind === 'mass' ? a.mg : undefined;
}

function mL(a: Amount | undefined): number | undefined {
  return a?.kind === 'volume' ? a.mL : undefined;
}

describe('parseAmountUnit: masses to mg', () => {
  it.each([
    ['mg', 125, 125],
    ['g', 1, 1000],
    ['g', 0.5, 500],
    ['ug', 250, 0.25],
    ['mcg', 250, 0.25],
    ['MCG', 500, 0.5],
    ['µg', 1000, 1],
    ['ng', 1_000_000, 1],
    ['kg', 0.001, 1000],
    ['mg{total}', 40, 40], // UCUM annotations are ignored
    [' mg ', 40, 40],
  ])('%s x %s = %s mg', (unit, value, expected) => {
    const a = parseAmountUnit(unit, value);
    expect(a?.kind).toBe('mass');
    expect(mg(a)).toBeCloseTo(expected, 12);
  });
});

describe('parseAmountUnit: volumes to mL', () => {
  it.each([
    ['mL', 2, 2],
    ['ml', 2, 2],
    ['L', 0.25, 250],
    ['l', 1, 1000],
    ['dL', 1, 100],
    ['cL', 1, 10],
  ])('%s x %s = %s mL', (unit, value, expected) => {
    const a = parseAmountUnit(unit, value);
    expect(a?.kind).toBe('volume');
    expect(mL(a)).toBeCloseTo(expected, 12);
  });
});

describe('parseAmountUnit: units', () => {
  it.each(['[iU]', '[IU]', 'U', 'unit', 'units'])('%s is a unit count', (unit) => {
    expect(parseAmountUnit(unit, 3)).toEqual({ kind: 'unit', units: 3 });
  });
});

describe('parseAmountUnit: unknown units are unconvertible', () => {
  it.each([
    'tablet',
    '{tbl}',
    'puff',
    '[drp]',
    'mg/mL',
    'mg/kg',
    '%',
    '',
    'mEq',
    'gram?',
    // Object prototype names must not be read as table entries.
    'constructor',
    'toString',
    '__proto__',
    'hasOwnProperty',
  ])('%j', (unit) => {
    expect(parseAmountUnit(unit, 10)).toBeUndefined();
  });

  it('no unit at all', () => {
    expect(parseAmountUnit(undefined, 10)).toBeUndefined();
  });
});

describe('parseRateUnit: rates to amount per minute', () => {
  it.each([
    // unit, value, kind, amount per minute, per kg
    ['mL/h', 15, 'volume', 0.25, false],
    ['mL/hr', 60, 'volume', 1, false],
    ['mL/min', 2, 'volume', 2, false],
    ['L/h', 0.06, 'volume', 1, false],
    ['mg/h', 120, 'mass', 2, false],
    ['mg/min', 0.5, 'mass', 0.5, false],
    ['ug/min', 500, 'mass', 0.5, false],
    ['ug/kg/min', 5, 'mass', 0.005, true],
    ['mcg/kg/min', 5, 'mass', 0.005, true],
    ['mg/kg/h', 6, 'mass', 0.1, true],
    ['mL/d', 1440, 'volume', 1, false],
    ['mL/s', 1, 'volume', 60, false],
    ['mL{total}/h', 60, 'volume', 1, false],
  ] as const)('%s x %s', (unit, value, kind, perMinute, perKg) => {
    const r = parseRateUnit(unit, value);
    expect(r).toBeDefined();
    expect(r?.perKg).toBe(perKg);
    expect(r?.perMinute.kind).toBe(kind);
    const amount = kind === 'mass' ? mg(r?.perMinute) : mL(r?.perMinute);
    expect(amount).toBeCloseTo(perMinute, 12);
  });

  it.each([
    'mL', // not a rate
    'mg',
    'mL/h/min', // three parts without kg
    'ug/lb/min',
    'mg/kg', // a dose per weight, not a rate
    'tablet/h',
    'mL/fortnight',
    'mL/h/kg/min',
    'mg/constructor',
    'constructor/h',
    '',
  ])('%j is not a rate', (unit) => {
    expect(parseRateUnit(unit, 10)).toBeUndefined();
  });

  it('no unit at all', () => {
    expect(parseRateUnit(undefined, 10)).toBeUndefined();
  });
});

describe('timeInMinutes', () => {
  it.each([
    ['min', 30, 30],
    ['h', 10, 600],
    ['hr', 1.5, 90],
    ['s', 90, 1.5],
    ['d', 1, 1440],
  ])('%s x %s = %s min', (unit, value, expected) => {
    expect(timeInMinutes(unit, value)).toBeCloseTo(expected, 12);
  });

  it.each(['wk', 'mo', 'mg', 'constructor', ''])('%j is not a time unit', (unit) => {
    expect(timeInMinutes(unit, 1)).toBeUndefined();
  });
});

describe('weightInKg', () => {
  it.each([
    ['kg', 80, 80],
    ['g', 80_000, 80],
    ['[lb_av]', 176.37, 80],
    ['lb', 100, 45.359237],
  ])('%s x %s = %s kg', (unit, value, expected) => {
    expect(weightInKg(unit, value)).toBeCloseTo(expected, 2);
  });

  it.each(['mg', 'stone', '', 'constructor'])('%j is not a weight unit', (unit) => {
    expect(weightInKg(unit, 1)).toBeUndefined();
  });
});

describe('toMeasure: into the billing code measure', () => {
  const mass = (v: number): Amount => ({ kind: 'mass', mg: v });
  const vol = (v: number): Amount => ({ kind: 'volume', mL: v });
  const units = (v: number): Amount => ({ kind: 'unit', units: v });

  it.each([
    // amount, measure, mg/mL, expected
    ['125 mg in mg', mass(125), 'mg', undefined, 125],
    ['1 g in mg', parseAmountUnit('g', 1) ?? vol(0), 'mg', undefined, 1000],
    ['0.25 mg in ug', mass(0.25), 'ug', undefined, 250],
    ['2500 mg in g', mass(2500), 'g', undefined, 2.5],
    ['2 mL at 62.5 mg/mL in mg', vol(2), 'mg', 62.5, 125],
    ['150 mL at 2 mg/mL in mg', vol(150), 'mg', 2, 300],
    ['20 mL at 12.5 mg/mL in mg', vol(20), 'mg', 12.5, 250],
    ['2 mL in mL', vol(2), 'mL', undefined, 2],
    ['125 mg at 62.5 mg/mL in mL', mass(125), 'mL', 62.5, 2],
    ['3 units in unit', units(3), 'unit', undefined, 3],
  ] as const)('%s', (_label, amount, measure, mgPerMl, expected) => {
    expect(toMeasure(amount, measure, mgPerMl)).toBeCloseTo(expected, 9);
  });

  it.each([
    ['mL without a concentration', vol(2), 'mg', undefined],
    ['mL with a zero concentration', vol(2), 'mg', 0],
    ['mg into mL without a concentration', mass(125), 'mL', undefined],
    ['mg into units', mass(10), 'unit', undefined],
    ['units into mg', units(3), 'mg', 10],
  ] as const)('%s is unconvertible', (_label, amount, measure, mgPerMl) => {
    expect(toMeasure(amount, measure, mgPerMl)).toBeUndefined();
  });
});

describe('scale and fromMeasure', () => {
  it('rate x duration x weight: 5 ug/kg/min for 600 min at 80 kg is 240 mg', () => {
    const r = parseRateUnit('ug/kg/min', 5);
    expect(r).toBeDefined();
    expect(mg(scale(scale(r!.perMinute, 600), 80))).toBeCloseTo(240, 9);
  });

  it('15 mL/h for 10 h is 150 mL', () => {
    const r = parseRateUnit('mL/h', 15);
    expect(mL(scale(r!.perMinute, 600))).toBeCloseTo(150, 9);
  });

  it.each([
    [400, 'mg', { kind: 'mass', mg: 400 }],
    [1, 'g', { kind: 'mass', mg: 1000 }],
    [500, 'ug', { kind: 'mass', mg: 0.5 }],
    [250, 'mL', { kind: 'volume', mL: 250 }],
    [10, 'unit', { kind: 'unit', units: 10 }],
  ] as const)('fromMeasure(%s, %s)', (value, measure, expected) => {
    expect(fromMeasure(value, measure)).toEqual(expected);
  });
});

describe('text units as EHRs send them (any case, with or without UCUM)', () => {
  it.each([
    ['milligram', 125, 125],
    ['milligrams', 40, 40],
    ['MG', 125, 125],
    ['Mg', 125, 125],
    ['microgram', 500, 0.5],
    ['micrograms', 500, 0.5],
    ['MCG', 250, 0.25],
    ['μg', 250, 0.25],
    ['gm', 0.5, 500],
    ['grams', 1, 1000],
    ['GM', 0.4, 400],
  ])('%s x %s = %s mg', (unit, value, expected) => {
    expect(mg(parseAmountUnit(unit, value))).toBeCloseTo(expected, 12);
  });

  it.each([
    ['ML', 2, 2],
    ['milliliter', 5, 5],
    ['millilitres', 5, 5],
    ['cc', 3, 3],
    ['liter', 0.25, 250],
  ])('%s x %s = %s mL', (unit, value, expected) => {
    expect(mL(parseAmountUnit(unit, value))).toBeCloseTo(expected, 12);
  });

  it.each([
    ['mL/hr', 15, 'volume', 0.25, false],
    ['ml/h', 15, 'volume', 0.25, false],
    ['ML/HR', 60, 'volume', 1, false],
    ['mL/hour', 60, 'volume', 1, false],
    ['mL / hr', 60, 'volume', 1, false],
    ['mg/hr', 60, 'mass', 1, false],
    ['MCG/KG/MIN', 5, 'mass', 0.005, true],
    ['mcg/kg/minute', 5, 'mass', 0.005, true],
    ['microgram/kg/min', 5, 'mass', 0.005, true],
    ['mcg/KG/min', 5, 'mass', 0.005, true],
    ['units/hr', 60, 'unit', 1, false],
  ] as const)('rate %s x %s', (unit, value, kind, perMinute, perKg) => {
    const r = parseRateUnit(unit, value);
    expect(r?.perKg).toBe(perKg);
    expect(r?.perMinute.kind).toBe(kind);
    const a = r?.perMinute;
    const v =
      a?.kind === 'mass' ? a.mg : a?.kind === 'volume' ? a.mL : a?.kind === 'unit' ? a.units : undefined;
    expect(v).toBeCloseTo(perMinute, 12);
  });

  it.each([
    ['KG', 80, 80],
    ['Kg', 80, 80],
    ['kilograms', 80, 80],
    ['[LB_AV]', 176.37, 80],
    ['lbs', 176.37, 80],
    ['pounds', 176.37, 80],
    ['[oz_av]', 2821.92, 80],
    ['oz', 2821.92, 80],
    ['GRAMS', 80_000, 80],
  ])('weight %s x %s = %s kg', (unit, value, expected) => {
    expect(weightInKg(unit, value)).toBeCloseTo(expected, 2);
  });

  it.each(['hr', 'hours', 'MIN', 'minutes', 'Day'])('time %s', (unit) => {
    expect(timeInMinutes(unit, 1)).toBeGreaterThan(0);
  });

  it.each(['mEq', 'milligram per mL', 'mg/mL/h', 'gram?', 'tab', 'mg/kg'])(
    '%j stays unconvertible as an amount',
    (unit) => {
      expect(parseAmountUnit(unit, 10)).toBeUndefined();
    },
  );
});
