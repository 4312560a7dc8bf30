/**
 * Whole-encounter evaluation through evaluateEncounter (SPEC sections 3 and 4), built with the
 * test builder: code choice by date of service, NDC forms, mL doses, infusions, grouping by
 * date of service, statuses, posted charges and prices.
 */
import { describe, expect, it } from 'vitest';
import { facilitiesFrom, parseFacilities } from '../../src/catalog/facilities.ts';
import {
  admin,
  bodyWeight,
  catalogWithPrices,
  chargeItem,
  DOS,
  evaluate,
  gapCodes,
  gapSummary,
  lineSummary,
  medication,
  NDC,
  qty,
  scenario,
} from '../support/build.ts';

const ACETATE = 'methylprednisolone acetate';

/**
 * J1250 (dobutamine) and J1100 (dexamethasone) are packaged in hospital outpatient claims (OPPS
 * SI N): their JW/JZ arithmetic is exercised where they are separately payable, a physician
 * office (a dobutamine stress echo in a cardiology office). The packaged case is in
 * engine-settings.test.ts.
 */
const OFFICE = facilitiesFrom(parseFacilities({ default: { setting: 'physician-office' } }));
function inOffice(input: Parameters<typeof evaluate>[0], ref: Parameters<typeof evaluate>[1] = {}) {
  return evaluate(input, { facilities: OFFICE, ...ref });
}

describe('methylprednisolone acetate: the 2024 code change (J1020/J1030/J1040 -> J1010)', () => {
  it.each([
    ['Depo-Medrol NDC', { ndc: '00009-0306-02' }],
    ['text', { text: ACETATE }],
  ])('%s: 40 mg on 2024-03-31 is J1030 x 1, on 2024-04-01 J1010 x 40', (_label, drug) => {
    const before = evaluate(
      scenario({
        administrations: [admin({ ...drug, dose: { value: 40, unit: 'mg' }, at: '2024-03-31T10:00:00Z' })],
      }),
    );
    expect(lineSummary(before)).toEqual(['J1030||1|2024-03-31']);
    const after = evaluate(
      scenario({
        administrations: [admin({ ...drug, dose: { value: 40, unit: 'mg' }, at: '2024-04-01T10:00:00Z' })],
      }),
    );
    expect(lineSummary(after)).toEqual(['J1010||40|2024-04-01']);
    if ('ndc' in drug) {
      // The Depo-Medrol vial is multi-dose: no JW/JZ, and nothing else is missing.
      expect(after.gaps).toEqual([]);
      expect(before.gaps).toEqual([]);
    } else {
      // Named by text only, the container is unknown: Medicare needs JW or JZ, so the product
      // (or its container status) must be recorded.
      expect(gapSummary(after)).toEqual(['wastage-undocumented@ma1']);
      expect(after.gaps[0]?.detail).toMatch(/single- or multi-dose/);
    }
  });

  it('the date of service is the date written, not shifted to UTC', () => {
    // 2024-03-31 at 22:00 in New York is 2024-04-01 in UTC: still a March 31 service.
    const ev = evaluate(
      scenario({
        administrations: [
          admin({ ndc: NDC.depoMedrol, dose: { value: 80, unit: 'mg' }, at: '2024-03-31T22:00:00-04:00' }),
        ],
      }),
    );
    expect(lineSummary(ev)).toEqual(['J1040||1|2024-03-31']);
  });

  it.each([
    // dose mg, code, units (before April 2024: smallest billed amount covering the dose, then fewest units)
    [40, 'J1030', 1],
    [60, 'J1020', 3],
    [80, 'J1040', 1],
    [20, 'J1020', 1],
    [10, 'J1020', 1],
    [100, 'J1020', 5],
    [120, 'J1030', 3], // J1030 x 3 and J1020 x 6 bill 120 mg, J1040 x 2 160 mg: tie -> fewest units
    [160, 'J1040', 2],
  ])('%s mg on 2024-02-15 -> %s x %s', (dose, code, units) => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({ ndc: NDC.depoMedrol, dose: { value: dose, unit: 'mg' }, at: '2024-02-15T10:00:00Z' }),
        ],
      }),
    );
    expect(lineSummary(ev)).toEqual([`${code}||${units}|2024-02-15`]);
  });

  it('the family choice is made on the day total: 20 mg + 20 mg is J1030 x 1', () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({ id: 'a1', text: ACETATE, dose: { value: 20, unit: 'mg' }, at: '2024-02-15T09:00:00Z' }),
          admin({ id: 'a2', text: ACETATE, dose: { value: 20, unit: 'mg' }, at: '2024-02-15T15:00:00Z' }),
        ],
      }),
    );
    expect(lineSummary(ev)).toEqual(['J1030||1|2024-02-15']);
    expect(ev.lines[0]?.sourceAdministrations).toEqual([
      'MedicationAdministration/a1',
      'MedicationAdministration/a2',
    ]);
  });

  it('the NDC detail of an acetate line is in mL of the 80 mg/mL suspension', () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({ ndc: NDC.depoMedrol, dose: { value: 40, unit: 'mg' }, at: '2024-04-01T10:00:00Z' }),
        ],
      }),
    );
    expect(ev.lines[0]?.ndc).toEqual({ ndc: '00009030602', quantity: 0.5, unit: 'ML' });
  });
});

describe('NDC forms (SPEC 4.1, BILLING.md section 4)', () => {
  it.each([
    ['11-digit', '63323025801'],
    ['11-digit hyphenated 5-4-2', '63323-0258-01'],
    ['10-digit 5-3-2', '63323-258-01'],
    ['outer package (tray) NDC', '63323-0258-03'],
    ['10-digit unhyphenated (one catalog match)', '6332325801'],
  ])('%s %s identifies the Fresenius 125 mg vial', (_label, ndc) => {
    const ev = evaluate(scenario({ administrations: [admin({ ndc, dose: { value: 125, unit: 'mg' } })] }));
    // J2919 (5 mg) from 2024-04-01: 125 mg is 25 units, the whole vial (crosswalk BILLUNITS 25).
    expect(lineSummary(ev)).toEqual([`J2919|JZ|25|${DOS}`]);
    expect(ev.lines[0]?.ndc?.ndc).toMatch(/^6332302580[13]$/);
  });

  it.each([
    ['10-digit 4-4-2', '0009-0306-02', '00009030602'],
    ['10-digit 5-4-1', '00409-2344-1', '00409234401'],
    ['11-digit', '00143975301', '00143975301'],
  ])('%s %s -> %s', (_label, ndc, expected) => {
    const ev = evaluate(scenario({ administrations: [admin({ ndc, dose: { value: 40, unit: 'mg' } })] }));
    expect(ev.lines).toHaveLength(1);
    expect(ev.lines[0]?.ndc?.ndc).toBe(expected);
  });

  it.each([
    [40, 'J2919', 8],
    [125, 'J2919', 25],
    [250, 'J2919', 50],
  ])(
    'sodium succinate by name only, %s mg -> %s x %s (J2919, 5 mg, the one code of the family in 2025)',
    (dose, code, units) => {
      const ev = evaluate(
        scenario({ administrations: [admin({ text: 'Solu-Medrol', dose: { value: dose, unit: 'mg' } })] }),
      );
      // No product, so the container use is unknown: neither JW nor JZ.
      expect(lineSummary(ev)).toEqual([`${code}||${units}|${DOS}`]);
    },
  );

  it('the 40 mg and the 125 mg sodium succinate vials both bill J2919 in 2025, each used up: JZ', () => {
    const ev40 = evaluate(
      scenario({ administrations: [admin({ ndc: NDC.mps40, dose: { value: 40, unit: 'mg' } })] }),
    );
    expect(lineSummary(ev40)).toEqual([`J2919|JZ|8|${DOS}`]);
    const ev125 = evaluate(
      scenario({ administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 125, unit: 'mg' } })] }),
    );
    expect(lineSummary(ev125)).toEqual([`J2919|JZ|25|${DOS}`]);
  });

  it('before 2024-04-01 the same vials bill the J2920/J2930 family: 40 mg J2920 x 1, 125 mg J2930 x 1', () => {
    const at = '2024-03-20T09:00:00Z';
    const ev40 = evaluate(
      scenario({ administrations: [admin({ ndc: NDC.mps40, dose: { value: 40, unit: 'mg' }, at })] }),
    );
    // Hospital outpatient (the default facility): J2920 and J2930 are SI N (packaged) in the 2024Q1
    // Addendum B, so neither carries JZ.
    expect(lineSummary(ev40)).toEqual(['J2920||1|2024-03-20']);
    const ev125 = evaluate(
      scenario({
        administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 125, unit: 'mg' }, at })],
      }),
    );
    expect(lineSummary(ev125)).toEqual(['J2930||1|2024-03-20']);
  });

  it('RxNorm 1743704 (shared by three 125 mg labelers that bill alike) identifies J2919 without an NDC', () => {
    const ev = evaluate(
      scenario({ administrations: [admin({ rxnorm: '1743704', dose: { value: 125, unit: 'mg' } })] }),
    );
    expect(lineSummary(ev)).toEqual([`J2919|JZ|25|${DOS}`]);
    expect(ev.lines[0]?.ndc).toBeUndefined();
  });

  it('a contained Medication and a referenced Medication are both read', () => {
    const contained = medication({ id: 'm1', ndc: NDC.solumedrol125 });
    const ev1 = evaluate(
      scenario({ administrations: [admin({ contained, dose: { value: 2, unit: 'mL' } })] }),
    );
    expect(lineSummary(ev1)).toEqual([`J2919|JZ|25|${DOS}`]);
    const ev2 = evaluate(
      scenario({
        administrations: [admin({ medicationRef: 'Medication/m2', dose: { value: 2, unit: 'mL' } })],
        medications: [medication({ id: 'm2', ndc: '63323-0258-01' })],
      }),
    );
    expect(lineSummary(ev2)).toEqual([`J2919|JZ|25|${DOS}`]);
  });
});

describe('mL doses', () => {
  it('2 mL of a 125 mg/2 mL vial is J2919 x 25 with NDC detail ML 2', () => {
    const ev = evaluate(
      scenario({ administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 2, unit: 'mL' } })] }),
    );
    expect(ev.lines).toHaveLength(1);
    expect(ev.lines[0]).toMatchObject({
      code: 'J2919',
      modifiers: ['JZ'],
      units: 25,
      dateOfService: DOS,
      ndc: { ndc: '63323025801', quantity: 2, unit: 'ML' },
      sourceAdministrations: ['MedicationAdministration/ma1'],
    });
    expect(ev.gaps).toEqual([]);
  });

  it('mL of a product the catalog does not know the strength of: the Medication ingredient strength', () => {
    const med = medication({
      id: 'm1',
      text: 'dexamethasone sodium phosphate 4 mg/mL',
      strength: [4, 'mg', 1, 'mL'],
    });
    const ev = evaluate(
      scenario({ administrations: [admin({ contained: med, dose: { value: 2.5, unit: 'mL' } })] }),
    );
    expect(lineSummary(ev)).toEqual([`J1100||10|${DOS}`]);
  });

  it('mL without any known concentration: dose-unit-unconvertible, no line', () => {
    const ev = evaluate(
      scenario({
        administrations: [admin({ text: 'dexamethasone sodium phosphate', dose: { value: 2, unit: 'mL' } })],
      }),
    );
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['dose-unit-unconvertible@ma1']);
  });

  it('grams are converted: 0.125 g of the 125 mg vial is J2919 x 25', () => {
    const ev = evaluate(
      scenario({ administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 0.125, unit: 'g' } })] }),
    );
    expect(lineSummary(ev)).toEqual([`J2919|JZ|25|${DOS}`]);
  });
});

describe('dobutamine infusions (J1250, per 250 mg)', () => {
  const tenHours = { start: `${DOS}T08:00:00Z`, end: `${DOS}T18:00:00Z` };

  it('500 mg/250 mL bag at 15 mL/h for 10 h = 150 mL x 2 mg/mL = 300 mg -> J1250 x 2', () => {
    const ev = inOffice(
      scenario({
        administrations: [
          admin({
            ndc: NDC.dobutamineBag,
            containerUse: 'single-dose',
            rate: { value: 15, unit: 'mL/h' },
            period: tenHours,
          }),
        ],
      }),
    );
    // Two units (500 mg) cover the whole 500 mg bag: JZ.
    expect(lineSummary(ev)).toEqual([`J1250|JZ|2|${DOS}`]);
    expect(ev.lines[0]?.ndc).toEqual({ ndc: '00338107502', quantity: 150, unit: 'ML' });
    expect(ev.gaps).toEqual([]);
  });

  it('the same by the bag RxNorm code (309986)', () => {
    const ev = inOffice(
      scenario({
        administrations: [
          admin({
            rxnorm: '309986',
            containerUse: 'single-dose',
            rate: { value: 15, unit: 'mL/h' },
            period: tenHours,
          }),
        ],
      }),
    );
    expect(lineSummary(ev)).toEqual([`J1250|JZ|2|${DOS}`]);
  });

  it('a mL/h rate against the 250 mg/20 mL vial, no bag strength: dose-unit-unconvertible, never the vial strength', () => {
    // The vial is diluted before it is infused: 2 mL/h of the bag is not 2 mL/h of the 12.5 mg/mL
    // vial (this used to bill 250 mg, J1250 x 1).
    const ev = inOffice(
      scenario({
        administrations: [
          admin({ ndc: NDC.dobutamineVial, rate: { value: 2, unit: 'mL/h' }, period: tenHours }),
        ],
      }),
    );
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['dose-unit-unconvertible@ma1']);
    expect(ev.gaps[0]?.detail).toMatch(/concentration of the bag/);
  });

  it('the same vial mixed into 500 mL, with the bag strength on the Medication: 15 mL/h x 8 h = 60 mg -> J1250 x 1', () => {
    const bag = medication({ id: 'mix', ndc: NDC.dobutamineVial, strength: [250, 'mg', 500, 'mL'] });
    const ev = inOffice(
      scenario({
        medications: [bag],
        administrations: [
          admin({
            medicationRef: 'Medication/mix',
            rate: { value: 15, unit: 'mL/h' },
            period: { start: `${DOS}T08:00:00Z`, end: `${DOS}T16:00:00Z` },
          }),
        ],
      }),
    );
    // 120 mL x 0.5 mg/mL = 60 mg: ceil(60 / 250) = 1; the vial (250 mg) is one unit: JZ.
    expect(lineSummary(ev)).toEqual([`J1250|JZ|1|${DOS}`]);
    // NDC quantity in mL of the vial itself: 60 mg / 12.5 mg/mL = 4.8 mL.
    expect(ev.lines[0]?.ndc).toEqual({ ndc: '00409234401', quantity: 4.8, unit: 'ML' });
  });

  it('a mg/h rate needs no concentration: 30 mg/h for 10 h = 300 mg -> J1250 x 2', () => {
    const ev = inOffice(
      scenario({
        administrations: [admin({ text: 'dobutamine', rate: { value: 30, unit: 'mg/h' }, period: tenHours })],
      }),
    );
    expect(lineSummary(ev)).toEqual([`J1250||2|${DOS}`]);
  });

  it.each(['ug/kg/min', 'mcg/kg/min'])('5 %s x 80 kg x 600 min = 240 mg -> J1250 x 1', (unit) => {
    const ev = inOffice(
      scenario({
        administrations: [
          admin({
            ndc: NDC.dobutamineBag,
            containerUse: 'single-dose',
            rate: { value: 5, unit },
            period: tenHours,
          }),
        ],
        bodyWeights: [bodyWeight(80, '2025-03-09T20:00:00Z')],
      }),
    );
    expect(ev.lines.filter((l) => !l.modifiers.includes('JW')).map((l) => [l.code, l.units])).toEqual([
      ['J1250', 1],
    ]);
    // 260 mg of the 500 mg bag are left and not documented: one JW unit at risk.
    expect(gapSummary(ev)).toEqual(['wastage-undocumented@ma1']);
  });

  it('weight-based rate with the rest of the bag documented as discarded: J1250 x 1 + JW x 1', () => {
    const ev = inOffice(
      scenario({
        administrations: [
          admin({
            ndc: NDC.dobutamineBag,
            containerUse: 'single-dose',
            rate: { value: 5, unit: 'ug/kg/min' },
            period: tenHours,
            discarded: { value: 130, unit: 'mL' },
          }),
        ],
        bodyWeights: [bodyWeight(80, '2025-03-09T20:00:00Z')],
      }),
    );
    expect(lineSummary(ev)).toEqual([`J1250|JW|1|${DOS}`, `J1250||1|${DOS}`]);
    expect(ev.gaps).toEqual([]);
    // NDC quantities in mL of the 2 mg/mL bag: 240 mg given = 120 mL, 260 mg discarded = 130 mL.
    expect(ev.lines.find((l) => l.modifiers.length === 0)?.ndc).toEqual({
      ndc: '00338107502',
      quantity: 120,
      unit: 'ML',
    });
    expect(ev.lines.find((l) => l.modifiers.includes('JW'))?.ndc).toEqual({
      ndc: '00338107502',
      quantity: 130,
      unit: 'ML',
    });
  });

  it('rateRatio: 15 mL per 1 h, and 5 ug/kg per 1 min, as the Quantity forms', () => {
    const byVolume = admin({ ndc: NDC.dobutamineBag, containerUse: 'single-dose', period: tenHours });
    byVolume.dosage = {
      ...byVolume.dosage,
      rateRatio: { numerator: qty(15, 'mL'), denominator: qty(1, 'h') },
    };
    expect(lineSummary(inOffice(scenario({ administrations: [byVolume] })))).toEqual([`J1250|JZ|2|${DOS}`]);
    const byWeight = admin({ text: 'dobutamine', period: tenHours });
    byWeight.dosage = {
      ...byWeight.dosage,
      rateRatio: { numerator: qty(5, 'ug/kg'), denominator: qty(1, 'min') },
    };
    const ev = inOffice(
      scenario({ administrations: [byWeight], bodyWeights: [bodyWeight(80, '2025-03-09T20:00:00Z')] }),
    );
    expect(lineSummary(ev)).toEqual([`J1250||1|${DOS}`]);
  });

  it('an infusion across midnight bills on the date it started', () => {
    const ev = inOffice(
      scenario({
        administrations: [
          admin({
            ndc: NDC.dobutamineBag,
            containerUse: 'single-dose',
            rate: { value: 15, unit: 'mL/h' },
            period: { start: `${DOS}T20:00:00Z`, end: '2025-03-11T06:00:00Z' },
          }),
        ],
      }),
    );
    expect(lineSummary(ev)).toEqual([`J1250|JZ|2|${DOS}`]);
  });

  it('the latest weight on or before the start is used', () => {
    const ev = inOffice(
      scenario({
        administrations: [
          admin({ text: 'dobutamine', rate: { value: 5, unit: 'ug/kg/min' }, period: tenHours }),
        ],
        // 110 kg: 330 mg (2 units); the later 80 kg weight is after the start and not used.
        bodyWeights: [
          bodyWeight(60, '2025-01-01T08:00:00Z'),
          bodyWeight(110, '2025-03-10T07:00:00Z'),
          bodyWeight(80, '2025-03-10T09:00:00Z'),
        ],
      }),
    );
    expect(lineSummary(ev)).toEqual([`J1250||2|${DOS}`]);
  });

  it('ug/kg/min without a body weight: dose-unit-unconvertible, no line', () => {
    const ev = inOffice(
      scenario({
        administrations: [
          admin({ ndc: NDC.dobutamineBag, rate: { value: 5, unit: 'ug/kg/min' }, period: tenHours }),
        ],
      }),
    );
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['dose-unit-unconvertible@ma1']);
  });

  it('ug/kg/min with only a weight recorded after the start: dose-unit-unconvertible', () => {
    const ev = inOffice(
      scenario({
        administrations: [
          admin({ ndc: NDC.dobutamineBag, rate: { value: 5, unit: 'ug/kg/min' }, period: tenHours }),
        ],
        bodyWeights: [bodyWeight(80, '2025-03-10T12:00:00Z')],
      }),
    );
    expect(ev.lines).toEqual([]);
    expect(gapCodes(ev)).toEqual(['dose-unit-unconvertible']);
  });

  it('a stopped infusion bills what ran until the stop time', () => {
    const ev = inOffice(
      scenario({
        administrations: [
          admin({
            status: 'stopped',
            ndc: NDC.dobutamineBag,
            containerUse: 'single-dose',
            rate: { value: 15, unit: 'mL/h' },
            period: { start: `${DOS}T08:00:00Z`, end: `${DOS}T12:00:00Z` },
          }),
        ],
      }),
    );
    // 60 mL x 2 mg/mL = 120 mg: 1 unit; 380 mg of the bag left, undocumented.
    expect(ev.lines.map((l) => [l.code, l.units])).toEqual([['J1250', 1]]);
    expect(gapCodes(ev)).toEqual(['wastage-undocumented']);
  });
});

describe('grouping by code and date of service (SPEC 4.4-4.5)', () => {
  const dex = (id: string, mg: number, at: string) =>
    admin({ id, text: 'dexamethasone sodium phosphate', dose: { value: mg, unit: 'mg' }, at });

  it('two administrations on the same day are summed, then rounded once', () => {
    const ev = evaluate(
      scenario({ administrations: [dex('a1', 0.5, `${DOS}T08:00:00Z`), dex('a2', 0.5, `${DOS}T20:00:00Z`)] }),
    );
    expect(lineSummary(ev)).toEqual([`J1100||1|${DOS}`]);
    expect(ev.lines[0]?.sourceAdministrations).toEqual([
      'MedicationAdministration/a1',
      'MedicationAdministration/a2',
    ]);
  });

  it('on different days they are not', () => {
    const ev = evaluate(
      scenario({
        administrations: [dex('a1', 0.5, `${DOS}T08:00:00Z`), dex('a2', 0.5, '2025-03-11T08:00:00Z')],
      }),
    );
    expect(lineSummary(ev)).toEqual([`J1100||1|${DOS}`, 'J1100||1|2025-03-11']);
  });

  it('60 mg + 60 mg of methylprednisolone sodium succinate on one day: J2919 x 24 (rounded once), JW x 26 for the rest of both vials', () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({
            id: 'a1',
            ndc: NDC.solumedrol125,
            dose: { value: 60, unit: 'mg' },
            at: `${DOS}T08:00:00Z`,
            discarded: { value: 65, unit: 'mg' },
          }),
          admin({
            id: 'a2',
            ndc: NDC.solumedrol125,
            dose: { value: 60, unit: 'mg' },
            at: `${DOS}T20:00:00Z`,
            discarded: { value: 65, unit: 'mg' },
          }),
        ],
      }),
    );
    // ceil(120 / 5) = 24; floor((120 + 130) / 5) - 24 = 26.
    expect(lineSummary(ev)).toEqual([`J2919|JW|26|${DOS}`, `J2919||24|${DOS}`]);
    expect(ev.gaps).toEqual([]);
  });

  it('the same two doses on different days: each day J2919 x 12 and JW x 13 (the rest of its vial)', () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({
            id: 'a1',
            ndc: NDC.solumedrol125,
            dose: { value: 60, unit: 'mg' },
            at: `${DOS}T08:00:00Z`,
            discarded: { value: 65, unit: 'mg' },
          }),
          admin({
            id: 'a2',
            ndc: NDC.solumedrol125,
            dose: { value: 60, unit: 'mg' },
            at: '2025-03-11T08:00:00Z',
            discarded: { value: 65, unit: 'mg' },
          }),
        ],
      }),
    );
    // Each day: ceil(60 / 5) = 12; floor((60 + 65) / 5) - 12 = 13.
    expect(lineSummary(ev)).toEqual([
      `J2919|JW|13|${DOS}`,
      'J2919|JW|13|2025-03-11',
      `J2919||12|${DOS}`,
      'J2919||12|2025-03-11',
    ]);
  });

  it('infliximab 350 mg from 4 x 100 mg vials, 50 mg discarded: J1745 x 35 + JW x 5 (Noridian)', () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({
            ndc: NDC.remicade,
            dose: { value: 350, unit: 'mg' },
            discarded: { value: 50, unit: 'mg' },
            opened: 4,
          }),
        ],
      }),
    );
    expect(lineSummary(ev)).toEqual([`J1745|JW|5|${DOS}`, `J1745||35|${DOS}`]);
    expect(ev.lines.find((l) => l.modifiers.includes('JW'))?.ndc?.ndc).toBe('57894003001');
    expect(ev.gaps).toEqual([]);
  });

  it('infliximab 400 mg from 4 vials: J1745-JZ x 40', () => {
    const ev = evaluate(
      scenario({ administrations: [admin({ ndc: NDC.remicade, dose: { value: 400, unit: 'mg' } })] }),
    );
    expect(lineSummary(ev)).toEqual([`J1745|JZ|40|${DOS}`]);
  });

  it('inpatient (IMP): no JW and no JZ (Part A bundles inpatient drugs)', () => {
    const ev = evaluate(
      scenario({
        cls: 'IMP',
        administrations: [
          admin({
            ndc: NDC.remicade,
            dose: { value: 350, unit: 'mg' },
            discarded: { value: 50, unit: 'mg' },
            opened: 4,
          }),
        ],
      }),
    );
    expect(lineSummary(ev)).toEqual([`J1745||35|${DOS}`]);
  });
});

describe('statuses (SPEC section 3)', () => {
  const dose = { ndc: NDC.solumedrol125, dose: { value: 125, unit: 'mg' } };

  it('entered-in-error: no line, listed in enteredInError', () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({ id: 'bad', status: 'entered-in-error', ...dose }),
          admin({ id: 'good', ...dose, at: '2025-03-11T09:00:00Z' }),
        ],
      }),
    );
    expect(ev.enteredInError).toEqual(['MedicationAdministration/bad']);
    expect(lineSummary(ev)).toEqual(['J2919|JZ|25|2025-03-11']);
    expect(ev.lines.flatMap((l) => l.sourceAdministrations)).toEqual(['MedicationAdministration/good']);
    expect(ev.gaps.flatMap((g) => g.implicated)).not.toContain('MedicationAdministration/bad');
  });

  it.each(['in-progress', 'not-done', 'on-hold', 'unknown'] as const)(
    '%s bills nothing and raises nothing',
    (status) => {
      const ev = evaluate(
        scenario({ administrations: [admin({ status, ...dose, route: null, performer: null })] }),
      );
      expect(ev.lines).toEqual([]);
      expect(ev.gaps).toEqual([]);
      expect(ev.enteredInError).toEqual([]);
      expect(ev.skippedAdministrations).toBe(0);
    },
  );

  it('completed and stopped are billed; a stopped one without a documented discard never gets JZ', () => {
    expect(
      lineSummary(evaluate(scenario({ administrations: [admin({ status: 'completed', ...dose })] }))),
    ).toEqual([`J2919|JZ|25|${DOS}`]);
    // Stopped early: nothing says the rest was not discarded, so JZ ("zero discarded") is not
    // claimed and the waste is asked for.
    const stopped = evaluate(scenario({ administrations: [admin({ status: 'stopped', ...dose })] }));
    expect(lineSummary(stopped)).toEqual([`J2919||25|${DOS}`]);
    expect(gapSummary(stopped)).toEqual(['wastage-undocumented@ma1']);
    expect(stopped.gaps[0]?.detail).toMatch(/stopped/);
  });
});

describe('drugs the catalog does not know', () => {
  it('are skipped silently: skippedAdministrations 1, no line, no gap', () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({
            // Oral oxycodone: in no ASP pricing file or crosswalk (not a Part B drug).
            text: 'oxycodone 5 mg tablet',
            ndc: '0406-0552-01',
            dose: { value: 5, unit: 'mg' },
            route: null,
            performer: null,
          }),
        ],
        conditions: [],
        payer: null,
      }),
    );
    expect(ev.skippedAdministrations).toBe(1);
    expect(ev.lines).toEqual([]);
    expect(ev.gaps).toEqual([]);
  });

  it('next to a billable drug, only the billable one makes a line', () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({ id: 'a1', text: 'oxycodone 5 mg tablet', dose: { value: 5, unit: 'mg' } }),
          admin({ id: 'a2', ndc: NDC.solumedrol125, dose: { value: 125, unit: 'mg' } }),
        ],
      }),
    );
    expect(ev.skippedAdministrations).toBe(1);
    expect(lineSummary(ev)).toEqual([`J2919|JZ|25|${DOS}`]);
  });
});

describe('posted charges', () => {
  it('a ChargeItem billing J1250 (dobutamine) for methylprednisolone is charge-code-mismatch', () => {
    const ev = evaluate(
      scenario({
        administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 125, unit: 'mg' } })],
        chargeItems: [
          chargeItem({ id: 'ci-j1250', code: 'J1250', units: 1, service: ['MedicationAdministration/ma1'] }),
        ],
      }),
    );
    expect(gapSummary(ev)).toEqual(['charge-code-mismatch@ci-j1250']);
    const gap = ev.gaps[0];
    expect(gap?.severity).toBe('high');
    expect(gap?.implicated).toEqual(
      expect.arrayContaining(['ChargeItem/ci-j1250', 'MedicationAdministration/ma1']),
    );
    expect(gap?.detail).toMatch(/J2919/);
    // The derived line is unchanged.
    expect(lineSummary(ev)).toEqual([`J2919|JZ|25|${DOS}`]);
  });

  it('the same without a link to the administration, matched by date of service', () => {
    const ev = evaluate(
      scenario({
        administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 125, unit: 'mg' } })],
        chargeItems: [chargeItem({ id: 'ci-x', code: 'J1250', units: 1 })],
      }),
    );
    expect(gapSummary(ev)).toEqual(['charge-code-mismatch@ci-x']);
  });

  it('a correct posted charge raises nothing', () => {
    const ev = evaluate(
      scenario({
        administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 125, unit: 'mg' } })],
        chargeItems: [
          chargeItem({
            code: 'J2919',
            modifiers: ['JZ'],
            units: 25,
            service: ['MedicationAdministration/ma1'],
          }),
        ],
      }),
    );
    expect(ev.gaps).toEqual([]);
  });
});

describe('prices (SPEC 4.9)', () => {
  const catalog = catalogWithPrices([
    { code: 'J1745', quarter: '2025Q1', paymentLimit: 7.5, source: 'test price file', illustrative: true },
    { code: 'J2919', quarter: '2025Q1', paymentLimit: 0.13, source: 'test price file' },
  ]);

  it('a posted charge with the wrong code puts the right line at risk', () => {
    const ev = evaluate(
      scenario({
        administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 125, unit: 'mg' } })],
        chargeItems: [
          chargeItem({ id: 'ci-j1250', code: 'J1250', units: 1, service: ['MedicationAdministration/ma1'] }),
        ],
      }),
      { catalog },
    );
    // The right line, J2919 x 25, at the file's 0.13: 3.25.
    expect(ev.gaps.find((g) => g.code === 'charge-code-mismatch')?.revenueAtRisk).toEqual({
      value: 3.25,
      currency: 'USD',
    });
  });

  it('fills unitPrice and net on the lines, JW included, marked illustrative when the file says so', () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({
            ndc: NDC.remicade,
            dose: { value: 350, unit: 'mg' },
            discarded: { value: 50, unit: 'mg' },
            opened: 4,
          }),
        ],
      }),
      { catalog },
    );
    const main = ev.lines.find((l) => l.modifiers.length === 0);
    const jw = ev.lines.find((l) => l.modifiers.includes('JW'));
    expect(main).toMatchObject({
      units: 35,
      unitPrice: { value: 7.5, currency: 'USD' },
      net: { value: 262.5, currency: 'USD' },
      priceIllustrative: true,
    });
    expect(jw).toMatchObject({
      units: 5,
      unitPrice: { value: 7.5, currency: 'USD' },
      net: { value: 37.5, currency: 'USD' },
    });
  });

  it("only for the quarter of the date of service: 2025Q2 takes CMS's 2025Q2 limit, not the file's 2025Q1 one", () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({ ndc: NDC.remicade, dose: { value: 400, unit: 'mg' }, at: '2025-04-01T09:00:00Z' }),
        ],
      }),
      { catalog },
    );
    // asp-pricing-2025q2.csv: J1745 30.523 per 10 mg (the line's money is in cents).
    expect(ev.lines[0]?.unitPrice).toEqual({ value: 30.52, currency: 'USD' });
    expect(ev.lines[0]?.priceIllustrative).toBeUndefined();
  });

  it('revenue at risk: undocumented waste (3 JW units) and a missing diagnosis (7 units)', () => {
    const ev = evaluate(
      scenario({
        administrations: [admin({ ndc: NDC.remicade, dose: { value: 70, unit: 'mg' } })],
        conditions: [],
      }),
      { catalog },
    );
    expect(lineSummary(ev)).toEqual([`J1745||7|${DOS}`]);
    const byCode = Object.fromEntries(ev.gaps.map((g) => [g.code, g.revenueAtRisk]));
    expect(byCode['wastage-undocumented']).toEqual({ value: 22.5, currency: 'USD' });
    expect(byCode['missing-diagnosis']).toEqual({ value: 52.5, currency: 'USD' });
  });

  it('revenue at risk of no-coverage is the net of the lines (no payer known: no JW line)', () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({
            ndc: NDC.remicade,
            dose: { value: 350, unit: 'mg' },
            discarded: { value: 50, unit: 'mg' },
            opened: 4,
          }),
        ],
        payer: null,
      }),
      { catalog },
    );
    expect(lineSummary(ev)).toEqual([`J1745||35|${DOS}`]);
    expect(ev.gaps.find((g) => g.code === 'no-coverage')?.revenueAtRisk).toEqual({
      value: 262.5,
      currency: 'USD',
    });
  });

  it('under-billed posted units: the missing units are at risk', () => {
    const ev = evaluate(
      scenario({
        administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 250, unit: 'mg' }, opened: 2 })],
        chargeItems: [chargeItem({ code: 'J2919', modifiers: ['JZ'], units: 25 })],
      }),
      { catalog },
    );
    expect(lineSummary(ev)).toEqual([`J2919|JZ|50|${DOS}`]);
    // 25 units missing at the file's 0.13: 3.25.
    expect(ev.gaps.find((g) => g.code === 'charge-units-mismatch')?.revenueAtRisk).toEqual({
      value: 3.25,
      currency: 'USD',
    });
  });

  it('a quarter no pricing file covers (before 2024Q1): nothing is priced and no revenue is invented', () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({ ndc: NDC.remicade, dose: { value: 70, unit: 'mg' }, at: '2023-12-15T09:00:00Z' }),
        ],
        conditions: [],
      }),
    );
    expect(ev.lines[0]?.unitPrice).toBeUndefined();
    expect(ev.gaps.every((g) => g.revenueAtRisk === undefined)).toBe(true);
  });
});

describe('evaluation envelope', () => {
  it('names the encounter, patient, coverage, payer category and claim-order diagnoses', () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({ ndc: NDC.solumedrol125, dose: { value: 125, unit: 'mg' }, reasonCode: ['J45.901'] }),
        ],
      }),
    );
    expect(ev).toMatchObject({
      encounter: 'Encounter/e1',
      patient: 'Patient/p1',
      coverage: 'Coverage/cov-medicare',
      payerCategory: 'medicare',
      diagnoses: ['J45.909', 'J45.901'],
      skippedAdministrations: 0,
      enteredInError: [],
    });
  });

  it('is deterministic', () => {
    const input = scenario({
      administrations: [
        admin({ id: 'a1', ndc: NDC.remicade, dose: { value: 350, unit: 'mg' } }),
        admin({ id: 'a2', text: ACETATE, dose: { value: 40, unit: 'mg' }, route: null }),
      ],
      conditions: [],
    });
    expect(evaluate(input)).toEqual(evaluate(input));
  });
});

describe('implausible amounts and unit spellings', () => {
  it('a dose in capital "MG" (a common display unit) converts like mg', () => {
    const ev = evaluate(
      scenario({ administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 125, unit: 'MG' } })] }),
    );
    expect(lineSummary(ev)[0]).toMatch(/^J2919\|JZ\|25\|/);
  });

  it('an astronomically large dose becomes dose-unit-unconvertible, never a line', () => {
    const ev = evaluate(
      scenario({ administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 1e9, unit: 'mg' } })] }),
    );
    expect(ev.lines).toEqual([]);
    expect(gapCodes(ev)).toContain('dose-unit-unconvertible');
  });

  it('9,999 units is still billed: the bound is just above what a day of J1010 could be', () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({
            text: 'methylprednisolone acetate',
            dose: { value: 9999, unit: 'mg' },
            at: '2025-03-10T10:00:00Z',
          }),
        ],
      }),
    );
    expect(lineSummary(ev)).toEqual(['J1010||9999|2025-03-10']);
  });
});

describe('body weight for weight-based rates', () => {
  const tenHours = { start: '2025-03-10T08:00:00Z', end: '2025-03-10T18:00:00Z' };
  const drip = () =>
    admin({
      ndc: NDC.dobutamineBag,
      containerUse: 'single-dose',
      rate: { value: 5, unit: 'ug/kg/min' },
      period: tenHours,
    });

  it('the latest weight on or before the start is used, not a later or an older one', () => {
    const ev = evaluate(
      scenario({
        administrations: [drip()],
        bodyWeights: [
          bodyWeight(160, '2025-01-01T00:00:00Z', { id: 'older' }),
          bodyWeight(80, '2025-03-09T20:00:00Z', { id: 'latest' }),
          bodyWeight(240, '2025-03-10T09:00:00Z', { id: 'after-start' }),
        ],
      }),
    );
    // 5 ug/kg/min x 80 kg x 600 min = 240 mg: one unit (160 kg would be two, 240 kg three).
    expect(ev.lines.filter((l) => !l.modifiers.includes('JW')).map((l) => l.units)).toEqual([1]);
  });

  it('when the latest weight is unusable, no older weight is used in its place: a gap, no line', () => {
    const unusable = {
      ...bodyWeight(80, '2025-03-09T20:00:00Z', { id: 'latest' }),
      valueQuantity: { value: 80, unit: 'stone-ish' },
    };
    const ev = evaluate(
      scenario({
        administrations: [drip()],
        bodyWeights: [bodyWeight(160, '2025-01-01T00:00:00Z', { id: 'older' }), unusable],
      }),
    );
    expect(ev.lines).toEqual([]);
    expect(gapCodes(ev)).toContain('dose-unit-unconvertible');
  });
});

describe('containers and waste across a line (review findings)', () => {
  const priced = catalogWithPrices([
    { code: 'J1745', quarter: '2025Q1', paymentLimit: 7.5, source: 'test price file' },
    { code: 'J1250', quarter: '2025Q1', paymentLimit: 10, source: 'test price file' },
  ]);

  it('a discard that comes to an implausible number of units never becomes a JW line', () => {
    const dex = medication({
      id: 'dex',
      text: 'dexamethasone sodium phosphate',
      containerUse: 'single-dose',
    });
    const ev = inOffice(
      scenario({
        medications: [dex],
        administrations: [
          admin({
            medicationRef: 'Medication/dex',
            dose: { value: 4, unit: 'mg' },
            discarded: { value: 50, unit: 'g' },
          }),
        ],
      }),
    );
    expect(lineSummary(ev)).toEqual([`J1100||4|${DOS}`]);
    expect(gapCodes(ev)).toContain('wastage-inconsistent');
  });

  it('Medicare, container status unverified (Solu-Medrol 500 mg, by name): no JW/JZ can be decided, so a gap says what to record', () => {
    const ev = inOffice(
      scenario({
        administrations: [
          admin({ ndc: NDC.solumedrol500, text: 'Solu-Medrol 500 mg', dose: { value: 500, unit: 'mg' } }),
        ],
      }),
    );
    expect(lineSummary(ev)).toEqual([`J2919||100|${DOS}`]);
    expect(gapSummary(ev)).toEqual(['wastage-undocumented@ma1']);
    expect(ev.gaps[0]?.detail).toMatch(/single- or multi-dose/);
  });

  it('fewer containers documented than the dose needs: wastage-inconsistent, and waste judged on the fewest that hold it', () => {
    const ev = inOffice(
      scenario({
        administrations: [admin({ ndc: NDC.remicade, dose: { value: 350, unit: 'mg' }, opened: 1 })],
      }),
    );
    expect(lineSummary(ev)).toEqual([`J1745||35|${DOS}`]);
    expect(gapCodes(ev)).toEqual(['wastage-inconsistent', 'wastage-undocumented']);
  });

  const firstHalf = { start: `${DOS}T08:00:00Z`, end: `${DOS}T10:00:00Z` };
  const secondHalf = { start: `${DOS}T10:00:00Z`, end: `${DOS}T12:00:00Z` };
  it('a drip titrated over two administrations from one bag (containers-opened 0 on the second): J1250 + JW, no gap', () => {
    // 20 mL/h x 2 h + 10 mL/h x 2 h = 60 mL x 2 mg/mL = 120 mg of the 500 mg bag; 190 mL (380 mg)
    // discarded: 1 unit given, floor(500 / 250) - 1 = 1 JW unit.
    const ev = inOffice(
      scenario({
        administrations: [
          admin({
            id: 'ma-a',
            ndc: NDC.dobutamineBag,
            containerUse: 'single-dose',
            rate: { value: 20, unit: 'mL/h' },
            period: firstHalf,
            discarded: { value: 0, unit: 'mL' },
          }),
          admin({
            id: 'ma-b',
            ndc: NDC.dobutamineBag,
            containerUse: 'single-dose',
            rate: { value: 10, unit: 'mL/h' },
            period: secondHalf,
            opened: 0,
            discarded: { value: 190, unit: 'mL' },
          }),
        ],
      }),
    );
    expect(lineSummary(ev)).toEqual([`J1250|JW|1|${DOS}`, `J1250||1|${DOS}`]);
    expect(ev.gaps).toEqual([]);
  });

  it("the same drip with no discard documented: one gap, on the administration that opened the bag, with the line's risk", () => {
    const ev = inOffice(
      scenario({
        administrations: [
          admin({
            id: 'ma-a',
            ndc: NDC.dobutamineBag,
            containerUse: 'single-dose',
            rate: { value: 20, unit: 'mL/h' },
            period: firstHalf,
          }),
          admin({
            id: 'ma-b',
            ndc: NDC.dobutamineBag,
            containerUse: 'single-dose',
            rate: { value: 10, unit: 'mL/h' },
            period: secondHalf,
            opened: 0,
          }),
        ],
      }),
      { catalog: priced },
    );
    expect(lineSummary(ev)).toEqual([`J1250||1|${DOS}`]);
    expect(gapSummary(ev)).toEqual(['wastage-undocumented@ma-a']);
    expect(ev.gaps[0]?.revenueAtRisk?.value).toBe(10);
  });

  it('a drip titrated over two administrations without containers-opened: one bag, not one per segment', () => {
    // 80 mg + 40 mg from one 500 mg bag, 380 mg (190 mL) discarded: 1 unit + JW floor(500/250) - 1 = 1.
    // (Counted a bag per administration, this used to be flagged as inconsistent.)
    const ev = inOffice(
      scenario({
        administrations: [
          admin({
            id: 'ma-a',
            ndc: NDC.dobutamineBag,
            containerUse: 'single-dose',
            rate: { value: 20, unit: 'mL/h' },
            period: firstHalf,
            discarded: { value: 0, unit: 'mL' },
          }),
          admin({
            id: 'ma-b',
            ndc: NDC.dobutamineBag,
            containerUse: 'single-dose',
            rate: { value: 10, unit: 'mL/h' },
            period: secondHalf,
            discarded: { value: 190, unit: 'mL' },
          }),
        ],
      }),
    );
    expect(lineSummary(ev)).toEqual([`J1250|JW|1|${DOS}`, `J1250||1|${DOS}`]);
    expect(ev.gaps).toEqual([]);
  });

  it("two undocumented administrations on one line: the line's whole risk is carried once", () => {
    const ev = inOffice(
      scenario({
        administrations: [
          admin({ id: 'ma-a', ndc: NDC.remicade, dose: { value: 70, unit: 'mg' } }),
          admin({ id: 'ma-b', ndc: NDC.remicade, dose: { value: 70, unit: 'mg' }, at: `${DOS}T15:00:00Z` }),
        ],
      }),
      { catalog: priced },
    );
    // 140 mg from two 100 mg vials: 14 units; floor(200 / 10) - 14 = 6 JW units at 7.50 = 45.00.
    const risks = ev.gaps
      .filter((g) => g.code === 'wastage-undocumented')
      .map((g) => g.revenueAtRisk?.value ?? 0);
    expect(risks.reduce((a, b) => a + b, 0)).toBe(45);
    expect(risks).toHaveLength(2);
  });
});
