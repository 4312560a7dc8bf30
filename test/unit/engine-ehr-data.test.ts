/**
 * Inputs shaped the way EHRs send them (docs/billing-rules.md): UTC instants read in the
 * facility's time zone, admixtures with their own strength, stopped infusions, overfill,
 * titrated drips, several NDCs on one day, text units, implausibly small doses, posted charges
 * with codes not valid on their date. Codes, units and statuses are real CMS rows
 * (test/support/cms-catalog.ts).
 */
import type { Medication, MedicationAdministration } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { facilitiesFrom, parseFacilities } from '../../src/catalog/facilities.ts';
import type { FacilityResolver } from '../../src/domain/facility.ts';
import { SYSTEMS } from '../../src/domain/vocabulary.ts';
import {
  admin,
  bodyWeight,
  chargeItem,
  DOS,
  evaluate,
  gapCodes,
  gapSummary,
  lineSummary,
  medication,
  scenario,
  type ScenarioOpts,
} from '../support/build.ts';
import { CMS_NDC, cmsCatalog } from '../support/cms-catalog.ts';

const catalog = cmsCatalog();
const chicago = facilitiesFrom(parseFacilities({ default: { timeZone: 'America/Chicago' } }));
const office = facilitiesFrom(parseFacilities({ default: { setting: 'physician-office' } }));
/** An evaluation time after every date of service below. */
const LATER = '2025-12-31T12:00:00Z';

function run(opts: ScenarioOpts, facilities?: FacilityResolver, now?: string) {
  return evaluate(scenario(opts), { catalog, ...(facilities ? { facilities } : {}) }, now);
}

describe('date of service in the facility time zone', () => {
  it('an evening dose sent in UTC is a service of the local day (2025-08-12T02:10Z is 21:10 on 08-11 in Chicago)', () => {
    const a = admin({ ndc: CMS_NDC.remicade, dose: { value: 400, unit: 'mg' }, at: '2025-08-12T02:10:00Z' });
    expect(lineSummary(run({ administrations: [a] }, chicago, LATER))[0]).toMatch(/\|2025-08-11$/);
    // Without a time zone, the date as written.
    expect(lineSummary(run({ administrations: [a] }, undefined, LATER))[0]).toMatch(/\|2025-08-12$/);
  });

  it('code validity follows the local date: 21:00 on 2024-03-31 in Chicago is a J2930 service, not J2919', () => {
    const a = admin({
      ndc: CMS_NDC.soluMedrol125,
      dose: { value: 125, unit: 'mg' },
      at: '2024-04-01T02:00:00Z',
    });
    expect(lineSummary(run({ administrations: [a] }, chicago))).toEqual(['J2930||1|2024-03-31']);
    // Read as written it is April 1: J2919 (5 mg) x 25, separately payable (SI K): JZ.
    expect(lineSummary(run({ administrations: [a] }))).toEqual(['J2919|JZ|25|2024-04-01']);
  });

  it('a dose given late in the local evening is not "in the future" for an evaluation run just after it', () => {
    const a = admin({ ndc: CMS_NDC.remicade, dose: { value: 400, unit: 'mg' }, at: '2025-06-30T03:00:00Z' });
    const ev = run({ administrations: [a] }, chicago, '2025-06-30T04:00:00Z');
    expect(lineSummary(ev)[0]).toMatch(/\|2025-06-29$/);
    expect(gapCodes(ev)).not.toContain('missing-administration-time');
  });

  it('a date without a time, or a time written with its own offset, keeps its calendar date', () => {
    const dateOnly = admin({ ndc: CMS_NDC.remicade, dose: { value: 400, unit: 'mg' }, at: '2025-03-10' });
    expect(lineSummary(run({ administrations: [dateOnly] }, chicago))[0]).toMatch(/\|2025-03-10$/);
    const local = admin({
      ndc: CMS_NDC.remicade,
      dose: { value: 400, unit: 'mg' },
      at: '2025-03-10T23:30:00-05:00',
    });
    expect(lineSummary(run({ administrations: [local] }, chicago))[0]).toMatch(/\|2025-03-10$/);
  });

  it('a posted charge is dated in the same time zone, so it matches its line', () => {
    const a = admin({
      id: 'ma1',
      ndc: CMS_NDC.remicade,
      dose: { value: 400, unit: 'mg' },
      discarded: { value: 0, unit: 'mg' },
      at: '2025-08-12T02:10:00Z',
    });
    const ci = chargeItem({ code: 'J1745', modifiers: ['JZ'], units: 40, date: '2025-08-12T02:15:00Z' });
    expect(run({ administrations: [a], chargeItems: [ci] }, chicago, LATER).gaps).toEqual([]);
  });
});

/** An admixture as an EHR sends it: the vial's NDC as one ingredient, the diluent as another. */
function admixture(strength?: readonly [number, string, number, string]): Medication {
  return {
    resourceType: 'Medication',
    id: 'mix',
    code: { text: 'dobutamine 250 mg in D5W 500 mL' },
    ingredient: [
      {
        itemCodeableConcept: {
          coding: [{ system: SYSTEMS.ndc, code: '0409-2344-01', display: 'Dobutamine HCl 12.5 mg/mL vial' }],
          text: 'DOBUTAMINE HCL',
        },
        isActive: true,
        ...(strength
          ? {
              strength: {
                numerator: { value: strength[0], unit: strength[1] },
                denominator: { value: strength[2], unit: strength[3] },
              },
            }
          : {}),
      },
      {
        itemCodeableConcept: { text: 'DEXTROSE 5 % IN WATER' },
        isActive: false,
        strength: {
          numerator: { value: 5, unit: 'g', system: SYSTEMS.ucum, code: 'g' },
          denominator: { value: 100, unit: 'mL', system: SYSTEMS.ucum, code: 'mL' },
        },
      },
    ],
  };
}

const eightHours = { start: `${DOS}T14:00:00Z`, end: `${DOS}T22:00:00Z` };

describe('concentration of what was given', () => {
  it('dobutamine 250 mg vial in 500 mL at 15 mL/hr for 8 h: 120 mL x 0.5 mg/mL = 60 mg, J1250 x 1', () => {
    const a = admin({
      medicationRef: 'Medication/mix',
      rate: { value: 15, unit: 'mL/hr' },
      period: eightHours,
    });
    const ev = run({ medications: [admixture([250, 'mg', 500, 'mL'])], administrations: [a] });
    // Hospital outpatient, SI N: reported without modifier. (The vial's 12.5 mg/mL gave 1,500 mg, J1250 x 6.)
    expect(lineSummary(ev)).toEqual([`J1250||1|${DOS}`]);
    // NDC quantity in mL of the vial: 60 mg / 12.5 mg/mL.
    expect(ev.lines[0]?.ndc).toEqual({ ndc: '00409234401', quantity: 4.8, unit: 'ML' });
    expect(ev.gaps).toEqual([]);
  });

  it('the same admixture without a strength: dose-unit-unconvertible, not the vial strength and not the dextrose', () => {
    const a = admin({
      medicationRef: 'Medication/mix',
      rate: { value: 15, unit: 'mL/hr' },
      period: eightHours,
    });
    const ev = run({ medications: [admixture()], administrations: [a] });
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['dose-unit-unconvertible@ma1']);
    expect(ev.gaps[0]?.detail).toMatch(/mixture whose concentration is not documented/);
  });

  it('a mL/h rate against the vial NDC itself, no bag strength: dose-unit-unconvertible', () => {
    const a = admin({ ndc: CMS_NDC.dobutamineVial, rate: { value: 15, unit: 'mL/h' }, period: eightHours });
    const ev = run({ administrations: [a] });
    expect(ev.lines).toEqual([]);
    expect(ev.gaps[0]?.detail).toMatch(/only the vial it was mixed from/);
  });

  it('a premixed bag as packaged (Baxter 1000 mg/250 mL) is read at its own 4 mg/mL', () => {
    // 15 mL/h x 8 h = 120 mL x 4 mg/mL = 480 mg: ceil(480 / 250) = 2.
    const a = admin({
      ndc: CMS_NDC.dobutamineBag1000,
      rate: { value: 15, unit: 'mL/h' },
      period: eightHours,
    });
    expect(lineSummary(run({ administrations: [a] }))).toEqual([`J1250||2|${DOS}`]);
  });

  it('a mL dose drawn from a vial as packaged uses the vial strength (1 mL of 4 mg/mL dexamethasone = 4 mg)', () => {
    const a = admin({ ndc: CMS_NDC.dexamethasone4, dose: { value: 1, unit: 'mL' } });
    expect(lineSummary(run({ administrations: [a] }))).toEqual([`J1100||4|${DOS}`]);
  });
});

describe('stopped infusions', () => {
  // Infliximab 400 mg in 250 mL (1.6 mg/mL), from 4 x 100 mg vials, ordered over 2 h at 125 mL/h.
  const bag = medication({ id: 'ifx', ndc: CMS_NDC.remicade, strength: [400, 'mg', 250, 'mL'] });
  const stopped = (extra: Partial<MedicationAdministration['dosage']> = {}): MedicationAdministration => {
    const a = admin({
      status: 'stopped',
      medicationRef: 'Medication/ifx',
      dose: { value: 400, unit: 'mg' },
      rate: { value: 125, unit: 'mL/h' },
      period: { start: `${DOS}T09:00:00Z`, end: `${DOS}T10:00:00Z` },
    });
    return { ...a, dosage: { ...a.dosage, ...extra } };
  };

  it('bills rate x the time it ran (125 mL = 200 mg, J1745 x 20), never JZ, and asks for the waste', () => {
    const ev = run({ medications: [bag], administrations: [stopped()] });
    expect(lineSummary(ev)).toEqual([`J1745||20|${DOS}`]);
    expect(gapSummary(ev)).toEqual(['wastage-undocumented@ma1']);
    expect(ev.gaps[0]?.detail).toMatch(/stopped/);
    // The four vials of the 400 mg prepared were opened: floor(400 / 10) - 20 = 20 JW units at
    // $30.525 (asp-pricing-2025q1.csv) are at risk until the waste is documented.
    expect(ev.gaps[0]?.revenueAtRisk).toEqual({ value: 610.5, currency: 'USD' });
  });

  it('with the discarded amount documented: J1745 x 20 + JW x 20', () => {
    const ev = run({
      medications: [bag],
      administrations: [
        stopped({
          extension: [
            {
              url: 'https://vialwise.dev/fhir/StructureDefinition/discarded-amount',
              valueQuantity: { value: 125, unit: 'mL' },
            },
          ],
        }),
      ],
    });
    expect(lineSummary(ev)).toEqual([`J1745|JW|20|${DOS}`, `J1745||20|${DOS}`]);
    expect(ev.gaps).toEqual([]);
  });

  it('without its stop time the dose charted is billed, and the stop time is asked for', () => {
    const a = stopped();
    a.effectivePeriod = { start: `${DOS}T09:00:00Z` };
    const ev = run({ medications: [bag], administrations: [a] });
    expect(lineSummary(ev)).toEqual([`J1745||40|${DOS}`]);
    expect(gapCodes(ev)).toEqual(['missing-administration-time', 'wastage-undocumented']);
  });
});

describe('overfill and titrated drips', () => {
  it('42 mg charted from one 40 mg Solu-Medrol vial bills the labeled 40 mg (J2919 x 8, not 9), JZ, and says why', () => {
    const a = admin({ ndc: CMS_NDC.soluMedrol40, dose: { value: 42, unit: 'mg' }, opened: 1 });
    const ev = run({ administrations: [a] });
    expect(lineSummary(ev)).toEqual([`J2919|JZ|8|${DOS}`]);
    expect(gapSummary(ev)).toEqual(['wastage-inconsistent@ma1']);
    expect(ev.gaps[0]?.detail).toMatch(/overfill/);
    expect(ev.lines[0]?.ndc).toEqual({ ndc: '00009003928', quantity: 1, unit: 'ML' });
  });

  it('far more than the documented containers hold is a wrong container count, not overfill: the dose is billed', () => {
    const a = admin({ ndc: CMS_NDC.remicade, dose: { value: 350, unit: 'mg' }, opened: 1 });
    const ev = run({ administrations: [a] });
    expect(lineSummary(ev)).toEqual([`J1745||35|${DOS}`]);
    expect(ev.gaps.find((g) => g.code === 'wastage-inconsistent')?.detail).toMatch(
      /correct the number of containers/,
    );
  });

  const segment = (id: string, rate: number, from: string, to: string, extra: { discarded?: number } = {}) =>
    admin({
      id,
      ndc: CMS_NDC.dobutamineBag1000,
      rate: { value: rate, unit: 'mL/h' },
      period: { start: `${DOS}T${from}:00Z`, end: `${DOS}T${to}:00Z` },
      ...(extra.discarded !== undefined ? { discarded: { value: extra.discarded, unit: 'mL' } } : {}),
    });

  it('a drip titrated over three administrations opens one bag; the waste documented on the last one bills JW', () => {
    // 10 mL/h x 2 h + 20 mL/h x 2 h + 15 mL/h x 2 h = 90 mL x 4 mg/mL = 360 mg; 160 mL (640 mg) discarded.
    // Office (J1250 separately payable): ceil(360 / 250) = 2; JW floor(1000 / 250) - 2 = 2.
    const ev = run(
      {
        administrations: [
          segment('s1', 10, '08:00', '10:00'),
          segment('s2', 20, '10:00', '12:00'),
          segment('s3', 15, '12:00', '14:00', { discarded: 160 }),
        ],
      },
      office,
    );
    expect(lineSummary(ev)).toEqual([`J1250|JW|2|${DOS}`, `J1250||2|${DOS}`]);
    expect(ev.gaps).toEqual([]);
  });

  it('segments more than an hour apart are separate bags', () => {
    const ev = run(
      {
        administrations: [segment('s1', 10, '08:00', '10:00'), segment('s2', 10, '14:00', '16:00')],
      },
      office,
    );
    // Two 1000 mg bags for 160 mg: floor(2000 / 250) - 1 = 7 JW units possible, undocumented.
    expect(lineSummary(ev)).toEqual([`J1250||1|${DOS}`]);
    expect(gapSummary(ev)).toEqual(['wastage-undocumented@s1', 'wastage-undocumented@s2']);
  });
});

describe('units once per code and day, then NDC lines', () => {
  it('35 mg from each of two infliximab NDCs is 7 units (not 4 + 4), split 4 + 3 by largest remainder', () => {
    const ev = run({
      administrations: [
        admin({ id: 'a1', ndc: CMS_NDC.remicade, dose: { value: 35, unit: 'mg' } }),
        admin({ id: 'a2', ndc: CMS_NDC.infliximab, dose: { value: 35, unit: 'mg' }, at: `${DOS}T09:05:00Z` }),
      ],
    });
    const units = ev.lines.filter((l) => !l.modifiers.includes('JW')).map((l) => [l.ndc?.ndc, l.units]);
    expect(units).toEqual([
      ['57894003001', 4],
      ['57894016001', 3],
    ]);
  });

  it('amounts 100 / 20 / 5 mg on three NDC lines of 13 units: at least one unit each, 10 + 2 + 1', () => {
    const ev = run({
      administrations: [
        admin({ id: 'a1', ndc: CMS_NDC.dobutamineBag1000, dose: { value: 2500, unit: 'mg' } }),
        admin({ id: 'a2', ndc: CMS_NDC.dobutamineBag250, dose: { value: 500, unit: 'mg' } }),
        admin({ id: 'a3', ndc: CMS_NDC.dobutamineVial, dose: { value: 125, unit: 'mg' } }),
      ],
    });
    // 3125 mg: ceil(3125 / 250) = 13 units; quotas 10.4 / 2.08 / 0.52.
    expect(ev.lines.map((l) => [l.ndc?.ndc, l.units]).sort()).toEqual([
      ['00338107302', 2],
      ['00338107702', 10],
      ['00409234401', 1],
    ]);
  });

  it('fewer units than NDCs: the larger NDC carries the unit and both administrations', () => {
    const ev = run({
      administrations: [
        admin({ id: 'a1', ndc: CMS_NDC.remicade, dose: { value: 4, unit: 'mg' } }),
        admin({ id: 'a2', ndc: CMS_NDC.infliximab, dose: { value: 3, unit: 'mg' } }),
      ],
    });
    expect(ev.lines.map((l) => [l.ndc?.ndc, l.units, l.sourceAdministrations])).toEqual([
      ['57894003001', 1, ['MedicationAdministration/a1', 'MedicationAdministration/a2']],
    ]);
  });

  it("an administration without an NDC joins the day's only NDC; with two NDCs it gets its own line", () => {
    const noNdc = admin({
      id: 'a9',
      text: 'infliximab',
      dose: { value: 50, unit: 'mg' },
      at: `${DOS}T15:00:00Z`,
    });
    const one = run({
      administrations: [admin({ id: 'a1', ndc: CMS_NDC.remicade, dose: { value: 100, unit: 'mg' } }), noNdc],
    });
    expect(one.lines.map((l) => [l.ndc?.ndc, l.units])).toEqual([['57894003001', 15]]);
    const two = run({
      administrations: [
        admin({ id: 'a1', ndc: CMS_NDC.remicade, dose: { value: 100, unit: 'mg' } }),
        admin({ id: 'a2', ndc: CMS_NDC.infliximab, dose: { value: 100, unit: 'mg' } }),
        noNdc,
      ],
    });
    expect(two.lines.map((l) => [l.ndc?.ndc ?? null, l.units])).toEqual([
      [null, 5],
      ['57894003001', 10],
      ['57894016001', 10],
    ]);
  });
});

describe('text units as EHRs send them', () => {
  it.each([
    ['milligram, no system', { value: 400, unit: 'milligram' }],
    ['MG, no system', { value: 400, unit: 'MG' }],
    [
      'mg in a local code system, unit text "mg"',
      { value: 400, unit: 'mg', system: 'urn:oid:1.2.3', code: '3' },
    ],
    ['0.4 GM', { value: 0.4, unit: 'GM' }],
  ])('%s', (_label, dose) => {
    const a = admin({ ndc: CMS_NDC.remicade, dose, discarded: { value: 0, unit: 'milligrams' } });
    expect(lineSummary(run({ administrations: [a] }))).toEqual([`J1745|JZ|40|${DOS}`]);
  });

  it('mcg/kg/min with a weight in [lb_av], or in "KG" without a system', () => {
    // 5 mcg/kg/min x 80 kg x 600 min = 240 mg: J1250 x 1.
    const a = admin({
      ndc: CMS_NDC.dobutamineBag1000,
      rate: { value: 5, unit: 'mcg/kg/min' },
      period: { start: `${DOS}T08:00:00Z`, end: `${DOS}T18:00:00Z` },
    });
    const lb = bodyWeight(80 / 0.45359237, `${DOS}T07:00:00Z`);
    lb.valueQuantity = { value: 80 / 0.45359237, unit: 'lb', system: SYSTEMS.ucum, code: '[lb_av]' };
    const kg = bodyWeight(80, `${DOS}T07:00:00Z`);
    kg.valueQuantity = { value: 80, unit: 'KG' };
    for (const w of [lb, kg])
      expect(lineSummary(run({ administrations: [a], bodyWeights: [w] }))).toEqual([`J1250||1|${DOS}`]);
  });

  it('a dose below a thousandth of a billing unit is a unit error: a gap, not one unit', () => {
    // 0.0004 mg of dexamethasone (J1100 per 1 mg): 1/2500 of a unit.
    const tiny = admin({ ndc: CMS_NDC.dexamethasone4, dose: { value: 0.4, unit: 'mcg' } });
    const ev = run({ administrations: [tiny] });
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['dose-unit-unconvertible@ma1']);
    // 0.002 mg (a five-hundredth) is small but real: one unit.
    const small = admin({ ndc: CMS_NDC.dexamethasone4, dose: { value: 2, unit: 'mcg' } });
    expect(lineSummary(run({ administrations: [small] }))).toEqual([`J1100||1|${DOS}`]);
  });
});

describe('posted charges', () => {
  const solu = admin({
    id: 'ma1',
    ndc: CMS_NDC.soluMedrol125,
    dose: { value: 125, unit: 'mg' },
    at: '2025-03-10T09:00:00Z',
  });

  it('J2930 posted in 2025 (terminated 2024-03-31) for the J2919 line: charge-code-mismatch', () => {
    const ci = chargeItem({ code: 'J2930', units: 1, service: ['MedicationAdministration/ma1'] });
    const ev = run({ administrations: [solu], chargeItems: [ci] });
    expect(gapSummary(ev)).toEqual(['charge-code-mismatch@ci1']);
    expect(ev.gaps[0]?.detail).toMatch(
      /J2930 .*not a valid code on 2025-03-10; the drug documented bills as J2919/,
    );
  });

  it('J2930 posted in 2025 with no line to compare with is still a mismatch', () => {
    const noDose = admin({ id: 'ma1', ndc: CMS_NDC.soluMedrol125 });
    delete noDose.dosage;
    const ci = chargeItem({ code: 'J2930', units: 1 });
    expect(gapCodes(run({ administrations: [noDose], chargeItems: [ci] }))).toContain('charge-code-mismatch');
  });

  it('an unlinked charge posted on another day (discharge) is compared with the line of its code', () => {
    const right = chargeItem({ code: 'J2919', modifiers: ['JZ'], units: 25, date: '2025-03-12' });
    expect(run({ administrations: [solu], chargeItems: [right] }).gaps).toEqual([]);
    const short = chargeItem({ code: 'J2919', modifiers: ['JZ'], units: 20, date: '2025-03-12' });
    expect(gapSummary(run({ administrations: [solu], chargeItems: [short] }))).toEqual([
      `charge-units-mismatch@J2919:${DOS}`,
    ]);
  });

  it('an unlinked charge with another drug code on a day without lines is compared with every line', () => {
    const wrong = chargeItem({ code: 'J1250', units: 1, date: '2025-03-12' });
    const ev = run({ administrations: [solu], chargeItems: [wrong] });
    expect(gapSummary(ev)).toEqual(['charge-code-mismatch@ci1']);
  });
});
