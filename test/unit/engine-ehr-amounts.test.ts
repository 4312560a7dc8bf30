/**
 * Amounts as EHRs chart them (docs/billing-rules.md, "Amount given" and "Concentration"): a drip
 * in mL/h against a vial Medication that carries the vial's own strength, codes billed per mL
 * (gamma globulin, normal saline), drugs billed in units (epoetin alfa), and unit spellings.
 * Codes, billing units and OPPS statuses are real CMS rows (test/support/cms-catalog.ts); the
 * crosswalk line numbers below are of /work/shared/cms/asp-crosswalk-2025q3.csv.
 */
import type { Medication } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { SYSTEMS } from '../../src/domain/vocabulary.ts';
import {
  admin,
  bodyWeight,
  condition,
  DOS,
  evaluate,
  gapSummary,
  lineSummary,
  medication,
  scenario,
  type ScenarioOpts,
} from '../support/build.ts';
import { CMS_NDC, cmsCatalog } from '../support/cms-catalog.ts';

const catalog = cmsCatalog();

function run(opts: ScenarioOpts) {
  return evaluate(scenario(opts), { catalog });
}

const tenHours = { start: `${DOS}T08:00:00Z`, end: `${DOS}T18:00:00Z` };

type Ratio4 = readonly [number, string, number, string];

function ucumRatio(r: Ratio4) {
  return {
    numerator: { value: r[0], unit: r[1], system: SYSTEMS.ucum, code: r[1] },
    denominator: { value: r[2], unit: r[3], system: SYSTEMS.ucum, code: r[3] },
  };
}

/**
 * The Medication an EHR builds from the vial scanned at the bedside (Pfizer/Hospira dobutamine
 * 00409-2344-01, 250 mg/20 mL = 12.5 mg/mL; J1250 BILLUNITS 1, PKG SIZE 20, line 1507): its
 * strength is the vial's, not the bag's it was diluted in.
 */
function vialMedication(opts: { strength?: Ratio4; amount?: Ratio4 }): Medication {
  return {
    resourceType: 'Medication',
    id: 'dobu',
    code: {
      coding: [{ system: SYSTEMS.ndc, code: '0409-2344-01', display: 'DOBUTAMINE HCL 12.5 MG/ML VIAL' }],
      text: 'DOBUTAMINE HCL 250 MG/20 ML VIAL',
    },
    ...(opts.strength
      ? {
          ingredient: [
            {
              itemCodeableConcept: { text: 'DOBUTAMINE HCL' },
              isActive: true,
              strength: ucumRatio(opts.strength),
            },
          ],
        }
      : {}),
    ...(opts.amount ? { amount: ucumRatio(opts.amount) } : {}),
  };
}

describe('an mL/h drip charted against a vial Medication with the vial strength', () => {
  // 30 mL/h x 10 h = 300 mL. Read at the vial's 12.5 mg/mL that is 3,750 mg (J1250 x 15), but
  // the vial was diluted in a bag: the mL infused are not vial mL.
  it.each([
    ['ingredient strength 12.5 mg/1 mL', { strength: [12.5, 'mg', 1, 'mL'] as const }],
    ['ingredient strength 250 mg/20 mL', { strength: [250, 'mg', 20, 'mL'] as const }],
    ['Medication.amount 250 mg/20 mL only', { amount: [250, 'mg', 20, 'mL'] as const }],
  ])('%s: dose-unit-unconvertible, no guessed units', (_label, strength) => {
    const a = admin({
      medicationRef: 'Medication/dobu',
      rate: { value: 30, unit: 'mL/h' },
      period: tenHours,
    });
    const ev = run({ medications: [vialMedication(strength)], administrations: [a] });
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['dose-unit-unconvertible@ma1']);
    expect(ev.gaps[0]?.detail).toMatch(/only the vial it was mixed from/);
  });

  it('the volume infused charted as the dose beside the rate is not vial mL either', () => {
    const a = admin({
      medicationRef: 'Medication/dobu',
      dose: { value: 300, unit: 'mL' },
      rate: { value: 30, unit: 'mL/h' },
      period: tenHours,
    });
    const ev = run({
      medications: [vialMedication({ strength: [12.5, 'mg', 1, 'mL'] })],
      administrations: [a],
    });
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['dose-unit-unconvertible@ma1']);
  });

  it('an admixture whose drug ingredient carries the vial strength, not the bag strength: a gap', () => {
    const mix: Medication = {
      ...vialMedication({ strength: [12.5, 'mg', 1, 'mL'] }),
      ingredient: [
        ...(vialMedication({ strength: [12.5, 'mg', 1, 'mL'] }).ingredient ?? []),
        { itemCodeableConcept: { text: 'DEXTROSE 5 % IN WATER' }, isActive: false },
      ],
    };
    const a = admin({
      medicationRef: 'Medication/dobu',
      rate: { value: 30, unit: 'mL/h' },
      period: tenHours,
    });
    const ev = run({ medications: [mix], administrations: [a] });
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['dose-unit-unconvertible@ma1']);
  });

  it('a push in mL from the same vial Medication is vial mL: 4 mL x 12.5 mg/mL = 50 mg, J1250 x 1', () => {
    const a = admin({ medicationRef: 'Medication/dobu', dose: { value: 4, unit: 'mL' } });
    const ev = run({
      medications: [vialMedication({ strength: [12.5, 'mg', 1, 'mL'] })],
      administrations: [a],
    });
    // Hospital outpatient, J1250 SI N (opps-addendum-b-2025q1.csv): no modifier.
    expect(lineSummary(ev)).toEqual([`J1250||1|${DOS}`]);
  });

  it('the bag strength on the Medication (250 mg in 500 mL) bills: 300 mL x 0.5 mg/mL = 150 mg, J1250 x 1', () => {
    const bag: Medication = {
      ...vialMedication({ strength: [250, 'mg', 500, 'mL'] }),
      code: { text: 'dobutamine 250 mg in D5W 500 mL' },
    };
    const a = admin({
      medicationRef: 'Medication/dobu',
      rate: { value: 30, unit: 'mL/h' },
      period: tenHours,
    });
    expect(lineSummary(run({ medications: [bag], administrations: [a] }))).toEqual([`J1250||1|${DOS}`]);
  });

  // Baxter dobutamine in D5W 250 mg/250 mL (00338-1073-02; J1250 BILLUNITS 1, PKG SIZE 250,
  // line 1504): a premixed bag, 1 mg/mL. 300 mL = 300 mg: ceil(300 / 250) = 2.
  it('the premixed bag NDC charted in mL/h bills at its own 1 mg/mL: J1250 x 2', () => {
    const a = admin({ ndc: CMS_NDC.dobutamineBag250, rate: { value: 30, unit: 'mL/h' }, period: tenHours });
    const ev = run({ administrations: [a] });
    expect(lineSummary(ev)).toEqual([`J1250||2|${DOS}`]);
    expect(ev.lines[0]?.ndc).toEqual({ ndc: '00338107302', quantity: 300, unit: 'ML' });
  });

  it('a Medication that is the premixed bag (its NDC, 250 mg/250 mL) bills the same: J1250 x 2', () => {
    const bag = medication({ id: 'bag', ndc: '0338-1073-02', strength: [250, 'mg', 250, 'mL'] });
    const a = admin({ medicationRef: 'Medication/bag', rate: { value: 30, unit: 'mL/h' }, period: tenHours });
    expect(lineSummary(run({ medications: [bag], administrations: [a] }))).toEqual([`J1250||2|${DOS}`]);
  });
});

describe('codes billed per mL keep a dose charted in mL', () => {
  // Line numbers of asp-crosswalk-2025q1.csv (DOS is in 2025Q1); descriptors from
  // hcpcs-2025q3-long-descriptors.csv; OPPS status from opps-addendum-b-2025q1.csv.
  /** GamaSTAN 13533-0335-04: J1460 "gamma globulin, intramuscular, 1 cc", PKG SIZE 2, BILLUNITS 2 (line 1603); SI K. */
  const gamastan = '13533033504';
  /** Baxter 0.9% sodium chloride 1000 mL, 00338-0049-04: J7030 "normal saline solution, 1000 cc" BILLUNITS 1 (line 3965); SI N. */
  const saline1000 = '00338004904';
  /** B. Braun 0.9% sodium chloride 500 mL, 00264-7800-10: J7040 "(500 ml = 1 unit)" BILLUNITS 1 (line 3991); SI N. */
  const saline500 = '00264780010';

  it('2 mL of GamaSTAN IM from its single-dose vial, none discarded: J1460 x 2 with JZ, NDC quantity ML 2', () => {
    const a = admin({
      ndc: gamastan,
      containerUse: 'single-dose',
      route: 'IM',
      dose: { value: 2, unit: 'mL' },
      discarded: { value: 0, unit: 'mL' },
    });
    const ev = run({ administrations: [a] });
    expect(lineSummary(ev)).toEqual([`J1460|JZ|2|${DOS}`]);
    expect(ev.lines[0]?.ndc).toEqual({ ndc: gamastan, quantity: 2, unit: 'ML' });
    expect(ev.gaps).toEqual([]);
  });

  it('1.5 mL given, 0.5 mL discarded from the 2 mL vial: J1460 x 2 (rounded up), no JW unit left', () => {
    const a = admin({
      ndc: gamastan,
      containerUse: 'single-dose',
      route: 'IM',
      dose: { value: 1.5, unit: 'mL' },
      discarded: { value: 0.5, unit: 'mL' },
    });
    const ev = run({ administrations: [a] });
    expect(lineSummary(ev)).toEqual([`J1460|JZ|2|${DOS}`]);
    expect(ev.gaps).toEqual([]);
  });

  it('1000 mL of normal saline from a 1000 mL bag: J7030 x 1 (packaged, no modifier), NDC quantity ML 1000', () => {
    const ev = run({ administrations: [admin({ ndc: saline1000, dose: { value: 1000, unit: 'mL' } })] });
    expect(lineSummary(ev)).toEqual([`J7030||1|${DOS}`]);
    expect(ev.lines[0]?.ndc).toEqual({ ndc: saline1000, quantity: 1000, unit: 'ML' });
    expect(ev.gaps).toEqual([]);
  });

  it('500 mL of normal saline is one J7040 unit (500 mL), not a 1000 cc J7030 unit', () => {
    const ev = run({ administrations: [admin({ ndc: saline500, dose: { value: 0.5, unit: 'L' } })] });
    expect(lineSummary(ev)).toEqual([`J7040||1|${DOS}`]);
  });

  it('normal saline run at 125 mL/h for 8 h (1000 mL): J7030 x 1', () => {
    const a = admin({
      ndc: saline1000,
      rate: { value: 125, unit: 'mL/h' },
      period: { start: `${DOS}T08:00:00Z`, end: `${DOS}T16:00:00Z` },
    });
    expect(lineSummary(run({ administrations: [a] }))).toEqual([`J7030||1|${DOS}`]);
  });

  it('a mass charted for a code billed per mL cannot be converted: a gap, no line', () => {
    const a = admin({
      ndc: gamastan,
      containerUse: 'single-dose',
      route: 'IM',
      dose: { value: 300, unit: 'mg' },
    });
    const ev = run({ administrations: [a] });
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['dose-unit-unconvertible@ma1']);
  });

  it('mL charted for a code billed per mg still needs a concentration (a mixture without one): a gap', () => {
    const mix = medication({ id: 'mix', text: 'dobutamine in D5W' });
    const a = admin({ medicationRef: 'Medication/mix', dose: { value: 100, unit: 'mL' } });
    const ev = run({ medications: [mix], administrations: [a] });
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['dose-unit-unconvertible@ma1']);
  });
});

describe('drugs billed in units', () => {
  // Procrit 59676-0310-01 (10,000 units/mL, 1 mL vial, carton of 6): J0885 "epoetin alfa, (for
  // non-esrd use), 1000 units" BILLUNITS 10 (asp-crosswalk-2025q1.csv line 1153), SI K
  // (opps-addendum-b-2025q1.csv); Q4081 (100 units, ESRD on dialysis) BILLUNITS 100 (line 6098).
  const procrit = '59676031001';

  it.each([
    ['U', { value: 10000, unit: 'U' }],
    ['[iU]', { value: 10000, unit: '[iU]' }],
    ['Units, text', { value: 10000, unit: 'Units' }],
  ])(
    '10,000 units (%s): J0885 x 10, the NDC quantity in units of drug (F2), not 10,000 containers',
    (_l, dose) => {
      const a = admin({
        ndc: procrit,
        containerUse: 'single-dose',
        route: 'SC',
        dose,
        discarded: { value: 0, unit: 'U' },
      });
      const ev = run({ administrations: [a] });
      expect(lineSummary(ev)).toEqual([`J0885|JZ|10|${DOS}`]);
      expect(ev.lines[0]?.ndc).toEqual({ ndc: procrit, quantity: 10000, unit: 'F2' });
      expect(ev.gaps).toEqual([]);
    },
  );

  it('1 mL charted with a Medication strength of 10,000 units/mL: J0885 x 10, NDC quantity ML 1', () => {
    const med = medication({
      id: 'epo',
      ndc: '59676-0310-01',
      text: 'PROCRIT 10,000 UNIT/ML',
      strength: [10000, '[iU]', 1, 'mL'],
      containerUse: 'single-dose',
    });
    const a = admin({
      medicationRef: 'Medication/epo',
      route: 'SC',
      dose: { value: 1, unit: 'mL' },
      discarded: { value: 0, unit: 'mL' },
    });
    const ev = run({ medications: [med], administrations: [a] });
    expect(lineSummary(ev)).toEqual([`J0885|JZ|10|${DOS}`]);
    expect(ev.lines[0]?.ndc).toEqual({ ndc: procrit, quantity: 1, unit: 'ML' });
    expect(ev.gaps).toEqual([]);
  });

  it('0.4 mL of 10,000 units/mL (4,000 units) with 0.6 mL discarded from the single-dose vial: J0885 x 4 + JW x 6', () => {
    const med = medication({
      id: 'epo',
      ndc: '59676-0310-01',
      strength: [10000, 'U', 1, 'mL'],
      containerUse: 'single-dose',
    });
    const a = admin({
      medicationRef: 'Medication/epo',
      route: 'SC',
      dose: { value: 0.4, unit: 'mL' },
      discarded: { value: 0.6, unit: 'mL' },
    });
    const ev = run({ medications: [med], administrations: [a] });
    expect(lineSummary(ev)).toEqual([`J0885|JW|6|${DOS}`, `J0885||4|${DOS}`]);
    expect(ev.gaps).toEqual([]);
  });

  it('for a patient with ESRD on dialysis (N18.6 + Z99.2) the same 1 mL is Q4081 x 100, packaged (SI N): no modifier', () => {
    const med = medication({
      id: 'epo',
      ndc: '59676-0310-01',
      strength: [10000, '[iU]', 1, 'mL'],
      containerUse: 'single-dose',
    });
    const a = admin({ medicationRef: 'Medication/epo', route: 'IV', dose: { value: 1, unit: 'mL' } });
    const ev = run({
      medications: [med],
      administrations: [a],
      conditions: [condition('c1', 'N18.6'), condition('c2', 'Z99.2')],
    });
    // Q4081 "epoetin alfa, 100 units (for esrd on dialysis)" SI N (opps-addendum-b-2025q1.csv).
    expect(lineSummary(ev)).toEqual([`Q4081||100|${DOS}`]);
    expect(ev.lines[0]?.ndc).toEqual({ ndc: procrit, quantity: 1, unit: 'ML' });
  });

  it('mL charted against the NDC alone (no strength documented): dose-unit-unconvertible, no guessed units', () => {
    const a = admin({
      ndc: procrit,
      containerUse: 'single-dose',
      route: 'SC',
      dose: { value: 1, unit: 'mL' },
    });
    const ev = run({ administrations: [a] });
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['dose-unit-unconvertible@ma1']);
  });

  it('a mass charted for a drug billed in units cannot be converted: a gap, no line', () => {
    const a = admin({
      ndc: procrit,
      containerUse: 'single-dose',
      route: 'SC',
      dose: { value: 10, unit: 'mg' },
    });
    const ev = run({ administrations: [a] });
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['dose-unit-unconvertible@ma1']);
  });
});

describe('other unit spellings EHRs send', () => {
  // Remicade 57894-0030-01: J1745 (infliximab, 10 mg) BILLUNITS 10 (asp-crosswalk-2025q1.csv), SI K.
  const weight = bodyWeight(80, `${DOS}T07:00:00Z`);

  it.each([
    ['mg/kg (text)', { value: 5, unit: 'mg/kg' }],
    ['mg/kg (UCUM)', { value: 5, unit: 'mg/kg', system: SYSTEMS.ucum, code: 'mg/kg' }],
    ['MG/KG', { value: 5, unit: 'MG/KG' }],
  ])(
    'a weight-based dose, %s, x the latest body weight: 5 mg/kg x 80 kg = 400 mg, J1745 x 40',
    (_l, dose) => {
      const a = admin({ ndc: CMS_NDC.remicade, dose, discarded: { value: 0, unit: 'mg' } });
      const ev = run({ administrations: [a], bodyWeights: [weight] });
      expect(lineSummary(ev)).toEqual([`J1745|JZ|40|${DOS}`]);
      expect(ev.gaps).toEqual([]);
    },
  );

  it('a weight-based dose without a body weight recorded before it: dose-unit-unconvertible', () => {
    const a = admin({ ndc: CMS_NDC.remicade, dose: { value: 5, unit: 'mg/kg' } });
    const later = bodyWeight(80, `${DOS}T12:00:00Z`);
    const ev = run({ administrations: [a], bodyWeights: [later] });
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['dose-unit-unconvertible@ma1']);
    expect(ev.gaps[0]?.detail).toMatch(/body weight/);
  });

  it('UCUM annotations and the UCUM form ug/(kg.min) of mcg/kg/min', () => {
    // 400 mg{total}: the annotation is no part of the unit.
    const total = admin({
      ndc: CMS_NDC.remicade,
      dose: { value: 400, unit: 'mg', system: SYSTEMS.ucum, code: 'mg{total}' },
      discarded: { value: 0, unit: 'mg' },
    });
    expect(lineSummary(run({ administrations: [total] }))).toEqual([`J1745|JZ|40|${DOS}`]);
    // 5 ug/(kg.min) x 80 kg x 600 min = 240 mg of the 4 mg/mL Baxter bag: J1250 x 1.
    for (const code of ['ug/(kg.min)', 'ug/kg/min', 'mcg/kg/min{dose}']) {
      const a = admin({ ndc: CMS_NDC.dobutamineBag1000, period: tenHours });
      // The UCUM code alone (no unit text to fall back on).
      a.dosage = { ...a.dosage, rateQuantity: { value: 5, system: SYSTEMS.ucum, code } };
      expect([code, lineSummary(run({ administrations: [a], bodyWeights: [weight] }))]).toEqual([
        code,
        [`J1250||1|${DOS}`],
      ]);
    }
  });

  it.each(['ug', 'mcg', 'MCG', 'µg', 'microgram'])('4,000 %s of dexamethasone is 4 mg: J1100 x 4', (unit) => {
    // Hikma dexamethasone 4 mg/mL (00641-6145-25): J1100 (1 mg) BILLUNITS 4; SI N, no modifier.
    const a = admin({ ndc: CMS_NDC.dexamethasone4, dose: { value: 4000, unit } });
    expect(lineSummary(run({ administrations: [a] }))).toEqual([`J1100||4|${DOS}`]);
  });

  it('a rate without its start and stop is not billed from the rate alone: missing-administration-time', () => {
    const a = admin({ ndc: CMS_NDC.dobutamineBag1000, rate: { value: 15, unit: 'mL/hr' } });
    const ev = run({ administrations: [a] });
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['missing-administration-time@ma1']);
  });
});
