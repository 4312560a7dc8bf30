/**
 * Codings and containers as EHRs send them: several RxNorm codings on one Medication, NDC and
 * RxNorm under their HL7 OIDs (Epic, Oracle Health exports), single- and multi-dose vials of one
 * code on one day, a charted dose a rounding above the label, NDCs written in 10-digit forms or
 * only in a display, a Medication known only by its text. Codes, units and statuses are real CMS
 * rows (test/support/cms-catalog.ts); line numbers below are in /work/shared/cms/.
 */
import type { Coding, Medication } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { facilitiesFrom, parseFacilities } from '../../src/catalog/facilities.ts';
import type { FacilityResolver } from '../../src/domain/facility.ts';
import { SYSTEMS } from '../../src/domain/vocabulary.ts';
import {
  admin,
  chargeItem,
  DOS,
  evaluate,
  gapCodes,
  gapSummary,
  lineSummary,
  scenario,
  type ScenarioOpts,
} from '../support/build.ts';
import { CMS_NDC, cmsCatalog } from '../support/cms-catalog.ts';

const catalog = cmsCatalog();
const office = facilitiesFrom(parseFacilities({ default: { setting: 'physician-office' } }));

function run(opts: ScenarioOpts, facilities?: FacilityResolver) {
  return evaluate(scenario(opts), { catalog, ...(facilities ? { facilities } : {}) });
}

/** A Medication resource with the codings (and text) an EHR export gives it. */
function med(coding: Coding[], text?: string, id = 'm1'): Medication {
  return { resourceType: 'Medication', id, code: { coding, ...(text ? { text } : {}) } };
}

const RXNORM_OID = 'urn:oid:2.16.840.1.113883.6.88';
const NDC_OID = 'urn:oid:2.16.840.1.113883.6.69';

describe('several RxNorm codings on one Medication', () => {
  // RXCUI 1743704 methylprednisolone 125 MG Injection (catalog/curated.json: 63323-0258,
  // 43598-0129, 0009-0047, all 125 mg single-dose vials, J2919 BILLUNITS 25: asp-crosswalk-2025q1.csv
  // lines 3433, 3447, 3456); RXCUI 6902 methylprednisolone, the ingredient (succinate or acetate).
  const scdAndIngredient = med([
    { system: SYSTEMS.rxnorm, code: '1743704', display: 'methylprednisolone 125 MG Injection' },
    { system: SYSTEMS.rxnorm, code: '6902', display: 'methylprednisolone' },
  ]);

  it('the clinical drug and its ingredient agree on one drug: 125 mg bills J2919 x 25 with JZ', () => {
    const a = admin({ medicationRef: 'Medication/m1', dose: { value: 125, unit: 'mg' } });
    const ev = run({ medications: [scdAndIngredient], administrations: [a] });
    // J2919 is SI K in opps-addendum-b-2025q1.csv line 3742: separately payable, JZ applies.
    expect(lineSummary(ev)).toEqual([`J2919|JZ|25|${DOS}`]);
    expect(ev.gaps).toEqual([]);
  });

  it('the same codings in the other order, and an ingredient-level succinate code (203189) as well', () => {
    const m = med([
      { system: SYSTEMS.rxnorm, code: '6902' },
      { system: SYSTEMS.rxnorm, code: '203189' },
      { system: SYSTEMS.rxnorm, code: '1743704' },
    ]);
    const a = admin({ medicationRef: 'Medication/m1', dose: { value: 80, unit: 'mg' } });
    // 80 mg from one 125 mg vial, waste not documented: J2919 x 16 and the 9 JW units at risk.
    const ev = run({ medications: [m], administrations: [a] });
    expect(lineSummary(ev)).toEqual([`J2919||16|${DOS}`]);
    expect(gapSummary(ev)).toEqual(['wastage-undocumented@ma1']);
  });

  it('the ingredient 6902 alone is still ambiguous (sodium succinate J2919 or acetate J1010)', () => {
    const m = med([{ system: SYSTEMS.rxnorm, code: '6902' }]);
    const a = admin({ medicationRef: 'Medication/m1', dose: { value: 125, unit: 'mg' } });
    const ev = run({ medications: [m], administrations: [a] });
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['drug-not-identified@ma1']);
  });

  it('codings that name two different drugs (methylprednisolone and dobutamine) stay an ambiguity gap', () => {
    const m = med([
      { system: SYSTEMS.rxnorm, code: '1743704' },
      { system: SYSTEMS.rxnorm, code: '1812168', display: 'dobutamine 12.5 MG/ML Injection' },
    ]);
    const a = admin({ medicationRef: 'Medication/m1', dose: { value: 125, unit: 'mg' } });
    const ev = run({ medications: [m], administrations: [a] });
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['drug-not-identified@ma1']);
    expect(ev.gaps[0]?.detail).toMatch(/codings .*disagree/);
  });

  it('a coding the catalog does not know (a local formulary code in the RxNorm system) does not veto the others', () => {
    const m = med([
      { system: SYSTEMS.rxnorm, code: '1743704' },
      { system: SYSTEMS.rxnorm, code: '999999999' },
    ]);
    const a = admin({ medicationRef: 'Medication/m1', dose: { value: 125, unit: 'mg' } });
    expect(lineSummary(run({ medications: [m], administrations: [a] }))).toEqual([`J2919|JZ|25|${DOS}`]);
  });
});

describe('NDC and RxNorm under their HL7 OIDs (Epic and Oracle Health exports)', () => {
  it('an NDC coding in urn:oid:2.16.840.1.113883.6.69 is the NDC: Solu-Medrol 40 mg bills J2919 x 8 with its NDC', () => {
    // 00009-0039-28 Solu-Medrol 40 mg, J2919 BILLUNITS 8: asp-crosswalk-2025q1.csv line 3430.
    const m = med([{ system: NDC_OID, code: '0009-0039-28', display: 'SOLU-MEDROL 40 MG ACT-O-VIAL' }]);
    const a = admin({ medicationRef: 'Medication/m1', dose: { value: 40, unit: 'mg' } });
    const ev = run({ medications: [m], administrations: [a] });
    expect(lineSummary(ev)).toEqual([`J2919|JZ|8|${DOS}`]);
    expect(ev.lines[0]?.ndc?.ndc).toBe(CMS_NDC.soluMedrol40);
    expect(ev.gaps).toEqual([]);
  });

  it('an RxNorm coding in urn:oid:2.16.840.1.113883.6.88 is RxNorm: 1743704 and 6902 bill J2919 x 25', () => {
    const m = med([
      { system: RXNORM_OID, code: '1743704' },
      { system: RXNORM_OID, code: '6902' },
    ]);
    const a = admin({ medicationRef: 'Medication/m1', dose: { value: 125, unit: 'mg' } });
    expect(lineSummary(run({ medications: [m], administrations: [a] }))).toEqual([`J2919|JZ|25|${DOS}`]);
  });

  it('in a medicationCodeableConcept, and in the ingredient of an admixture', () => {
    const a = admin({ dose: { value: 40, unit: 'mg' } });
    a.medicationCodeableConcept = { coding: [{ system: NDC_OID, code: '00009003928' }] };
    expect(lineSummary(run({ administrations: [a] }))).toEqual([`J2919|JZ|8|${DOS}`]);

    // Dobutamine 250 mg vial (0409-2344-01, J1250 BILLUNITS 1: asp-crosswalk-2025q3.csv line 1507)
    // mixed into D5W, the vial's NDC under the OID; 15 mL/h x 8 h x 0.5 mg/mL = 60 mg: J1250 x 1.
    const mix: Medication = {
      resourceType: 'Medication',
      id: 'mix',
      code: { text: 'dobutamine 250 mg in D5W 500 mL' },
      ingredient: [
        {
          itemCodeableConcept: { coding: [{ system: NDC_OID, code: '0409-2344-01' }] },
          isActive: true,
          strength: { numerator: { value: 250, unit: 'mg' }, denominator: { value: 500, unit: 'mL' } },
        },
      ],
    };
    const drip = admin({
      medicationRef: 'Medication/mix',
      rate: { value: 15, unit: 'mL/hr' },
      period: { start: `${DOS}T14:00:00Z`, end: `${DOS}T22:00:00Z` },
    });
    const ev = run({ medications: [mix], administrations: [drip] });
    expect(lineSummary(ev)).toEqual([`J1250||1|${DOS}`]);
    expect(ev.lines[0]?.ndc?.ndc).toBe(CMS_NDC.dobutamineVial);
  });
});

describe('posted charges coded under the HCPCS OID', () => {
  it('a ChargeItem in urn:oid:2.16.840.1.113883.6.285 is read: the right charge raises nothing, a short one is compared', () => {
    const a = admin({ ndc: CMS_NDC.soluMedrol125, dose: { value: 125, unit: 'mg' } });
    const oid = (ci: ReturnType<typeof chargeItem>) => {
      for (const c of ci.code?.coding ?? []) c.system = 'urn:oid:2.16.840.1.113883.6.285';
      return ci;
    };
    const right = oid(chargeItem({ code: 'J2919', modifiers: ['JZ'], units: 25 }));
    expect(run({ administrations: [a], chargeItems: [right] }).gaps).toEqual([]);
    const short = oid(chargeItem({ code: 'J2919', modifiers: ['JZ'], units: 20 }));
    expect(gapSummary(run({ administrations: [a], chargeItems: [short] }))).toEqual([
      `charge-units-mismatch@J2919:${DOS}`,
    ]);
  });
});

describe('single-dose and multi-dose vials of one code on one day', () => {
  // J1100 dexamethasone sodium phosphate, per 1 mg (asp-pricing-2025q1.csv line 205). Hikma
  // 00641-6145-25: 1 mL vials of 4 mg, BILLUNITS 4 (asp-crosswalk-2025q1.csv line 1291),
  // single-dose (LABELS in test/support/cms-catalog.ts). Fresenius 63323-0165-26: 5 mL vials of
  // 20 mg, BILLUNITS 20 (line 1311), multi-dose (catalog/curated.json, openFDA "VIAL, MULTI-DOSE").
  // J1100 is SI N under OPPS (opps-addendum-b-2025q1.csv line 3405): packaged in a hospital, so
  // JW/JZ arise in a physician office.
  const HIKMA = CMS_NDC.dexamethasone4;
  const FRESENIUS_MDV = '63323016526';
  const sdv = (dose: number, discarded?: number) =>
    admin({
      id: 'a1',
      ndc: HIKMA,
      dose: { value: dose, unit: 'mg' },
      ...(discarded !== undefined ? { discarded: { value: discarded, unit: 'mg' } } : {}),
    });
  const mdv = admin({ id: 'a2', ndc: FRESENIUS_MDV, dose: { value: 8, unit: 'mg' }, at: `${DOS}T11:00:00Z` });

  it('a full single-dose vial (4 mg) and 8 mg from the multi-dose vial: JZ on the single-dose units only', () => {
    const ev = run({ administrations: [sdv(4), mdv] }, office);
    expect(ev.lines.map((l) => [l.ndc?.ndc, l.modifiers.join('+'), l.units])).toEqual([
      [FRESENIUS_MDV, '', 8],
      [HIKMA, 'JZ', 4],
    ]);
    expect(ev.gaps).toEqual([]);
  });

  it('3 mg from the single-dose vial with 1 mg discarded: the waste is billed on it alone (JW x 1)', () => {
    const ev = run({ administrations: [sdv(3, 1), mdv] }, office);
    // Units once for the day: ceil(3 + 8) = 11, split 3 + 8; JW floor((3 + 1) / 1) - 3 = 1.
    expect(lineSummary(ev)).toEqual([`J1100|JW|1|${DOS}`, `J1100||3|${DOS}`, `J1100||8|${DOS}`]);
    expect(ev.lines.find((l) => l.modifiers.includes('JW'))?.ndc?.ndc).toBe(HIKMA);
    expect(ev.gaps).toEqual([]);
  });

  it('the waste of the single-dose vial undocumented: only its possible JW units are at risk', () => {
    const ev = run({ administrations: [sdv(3), mdv] }, office);
    expect(lineSummary(ev)).toEqual([`J1100||3|${DOS}`, `J1100||8|${DOS}`]);
    expect(gapSummary(ev)).toEqual(['wastage-undocumented@a1']);
    // floor(4 / 1) - 3 = 1 unit at $0.108 (asp-pricing-2025q1.csv line 205).
    expect(ev.gaps[0]?.revenueAtRisk).toEqual({ value: 0.11, currency: 'USD' });
  });

  it('posted JZ x 4 and an unmodified x 8 for the multi-dose units: no charge-modifier-missing', () => {
    const charges = [
      chargeItem({ id: 'ci1', code: 'J1100', modifiers: ['JZ'], units: 4 }),
      chargeItem({ id: 'ci2', code: 'J1100', units: 8 }),
    ];
    expect(run({ administrations: [sdv(4), mdv], chargeItems: charges }, office).gaps).toEqual([]);
    // One unmodified charge of 12 units does lack the JZ of the single-dose units.
    const one = [chargeItem({ code: 'J1100', units: 12 })];
    expect(gapSummary(run({ administrations: [sdv(4), mdv], chargeItems: one }, office))).toEqual([
      `charge-modifier-missing@J1100:${DOS}`,
    ]);
  });

  it('in a hospital outpatient department J1100 is packaged (SI N): both lines without modifier, no gap', () => {
    const ev = run({ administrations: [sdv(4), mdv] });
    expect(lineSummary(ev)).toEqual([`J1100||4|${DOS}`, `J1100||8|${DOS}`]);
    expect(ev.gaps).toEqual([]);
  });
});

describe('a charted dose a rounding above the label', () => {
  // Solu-Medrol 40 mg Act-O-Vial 00009-0039-28, J2919 BILLUNITS 8 (asp-crosswalk-2025q1.csv line
  // 3430), single-dose, 1 mL (LABELS). Solu-Medrol 125 mg 00009-0047-22, BILLUNITS 25 (line 3433).
  it('40.1 mg from the 40 mg vial is that vial: J2919 x 8 with JZ (the labeled 40 mg), no extra vial, no gap', () => {
    const a = admin({ ndc: CMS_NDC.soluMedrol40, dose: { value: 40.1, unit: 'mg' } });
    const ev = run({ administrations: [a] });
    expect(lineSummary(ev)).toEqual([`J2919|JZ|8|${DOS}`]);
    expect(ev.gaps).toEqual([]);
    expect(ev.lines[0]?.ndc).toEqual({ ndc: CMS_NDC.soluMedrol40, quantity: 1, unit: 'ML' });
  });

  it('the same with one container documented as opened, and with none discarded', () => {
    const opened = admin({ ndc: CMS_NDC.soluMedrol40, dose: { value: 40.1, unit: 'mg' }, opened: 1 });
    const ev = run({ administrations: [opened] });
    expect(lineSummary(ev)).toEqual([`J2919|JZ|8|${DOS}`]);
    expect(ev.gaps).toEqual([]);
    const none = admin({
      ndc: CMS_NDC.soluMedrol40,
      dose: { value: 40.1, unit: 'mg' },
      discarded: { value: 0, unit: 'mg' },
    });
    expect(run({ administrations: [none] }).gaps).toEqual([]);
  });

  it('125.5 mg from the 125 mg vial (0.4% above) bills 125 mg: J2919 x 25 with JZ', () => {
    const a = admin({ ndc: CMS_NDC.soluMedrol125, dose: { value: 125.5, unit: 'mg' } });
    const ev = run({ administrations: [a] });
    expect(lineSummary(ev)).toEqual([`J2919|JZ|25|${DOS}`]);
    expect(ev.gaps).toEqual([]);
  });

  it("42 mg (5% above) with no container count still needs a second vial: J2919 x 9, the second vial's waste asked for", () => {
    const a = admin({ ndc: CMS_NDC.soluMedrol40, dose: { value: 42, unit: 'mg' } });
    const ev = run({ administrations: [a] });
    expect(lineSummary(ev)).toEqual([`J2919||9|${DOS}`]);
    // Two 40 mg vials: floor(80 / 5) - 9 = 7 JW units possible, at $0.268 (asp-pricing-2025q1.csv line 428).
    expect(gapSummary(ev)).toEqual(['wastage-undocumented@ma1']);
    expect(ev.gaps[0]?.revenueAtRisk).toEqual({ value: 1.88, currency: 'USD' });
  });

  it('80.3 mg from two 40 mg vials is two vials: J2919 x 16 with JZ', () => {
    const a = admin({ ndc: CMS_NDC.soluMedrol40, dose: { value: 80.3, unit: 'mg' } });
    expect(lineSummary(run({ administrations: [a] }))).toEqual([`J2919|JZ|16|${DOS}`]);
  });
});

describe('other shapes of EHR medication data', () => {
  /** Epic's own medication (ERX) code system: a local OID, not NDC or RxNorm. */
  const ERX = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.698288';
  const ordered = (m: Medication, dose = 125) => {
    const a = admin({ medicationRef: `Medication/${m.id ?? ''}`, dose: { value: dose, unit: 'mg' } });
    return run({ medications: [m], administrations: [a] });
  };

  it('an NDC coding in 10-digit 5-3-2 form (63323-258-01) is the 11-digit 63323-0258-01', () => {
    // Fresenius 125 mg/2 mL, J2919 BILLUNITS 25 (asp-crosswalk-2025q1.csv line 3456, tray 63323-0258-03).
    const ev = ordered(med([{ system: SYSTEMS.ndc, code: '63323-258-01' }]));
    expect(lineSummary(ev)).toEqual([`J2919|JZ|25|${DOS}`]);
    expect(ev.lines[0]?.ndc?.ndc).toBe('63323025801');
  });

  it('the NDC only in the display of a local code (5-3-2 or 4-4-2, hyphenated) identifies the product', () => {
    const fresenius = med([
      {
        system: ERX,
        code: '126078',
        display: 'METHYLPREDNISOLONE SOD SUCC 125 MG/2ML IJ SOLR (NDC 63323-258-01)',
      },
    ]);
    const ev = ordered(fresenius);
    expect(lineSummary(ev)).toEqual([`J2919|JZ|25|${DOS}`]);
    expect(ev.lines[0]?.ndc?.ndc).toBe('63323025801');
    expect(ev.gaps).toEqual([]);

    const soluMedrol = med([
      { system: ERX, code: '4411', display: 'SOLU-MEDROL 40 MG ACT-O-VIAL NDC:0009-0039-28' },
    ]);
    const ev40 = ordered(soluMedrol, 40);
    expect(lineSummary(ev40)).toEqual([`J2919|JZ|8|${DOS}`]);
    expect(ev40.lines[0]?.ndc?.ndc).toBe(CMS_NDC.soluMedrol40);
  });

  it('an NDC in a display that contradicts the RxNorm coding is not taken: drug-not-identified', () => {
    const m = med([
      { system: ERX, code: '4411', display: 'SOLU-MEDROL 40 MG ACT-O-VIAL (NDC 0009-0039-28)' },
      { system: SYSTEMS.rxnorm, code: '1812168', display: 'dobutamine 12.5 MG/ML Injection' },
    ]);
    const ev = ordered(m, 40);
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['drug-not-identified@ma1']);
  });

  it('an abbreviated display ("METHYLPREDNISOLONE SOD SUCC") beside a text naming the salt: the text decides', () => {
    const m = med(
      [{ system: ERX, code: '126078', display: 'METHYLPREDNISOLONE SOD SUCC 125 MG/2ML IJ SOLR' }],
      'methylprednisolone sodium succinate (SOLU-MEDROL) 125 mg injection',
    );
    const ev = ordered(m);
    // The drug is known, not the vial: units are billed, JZ waits for the NDC or container use.
    expect(lineSummary(ev)).toEqual([`J2919||25|${DOS}`]);
    expect(gapSummary(ev)).toEqual(['wastage-undocumented@ma1']);
    expect(ev.gaps[0]?.detail).toMatch(/Record the NDC/);
  });

  it('RxNorm only, no NDC anywhere: the clinical drug gives the vial (JW decided), and a payer needing the NDC asks for it', () => {
    // 80 mg from a 125 mg vial, 45 mg discarded: J2919 x 16 + JW x 9 (BILLING.md section 1).
    const m = med([{ system: SYSTEMS.rxnorm, code: '1743704' }]);
    const a = admin({
      medicationRef: 'Medication/m1',
      dose: { value: 80, unit: 'mg' },
      discarded: { value: 45, unit: 'mg' },
    });
    const ev = run({ medications: [m], administrations: [a] });
    expect(lineSummary(ev)).toEqual([`J2919|JW|9|${DOS}`, `J2919||16|${DOS}`]);
    expect(ev.lines.every((l) => l.ndc === undefined)).toBe(true);
    expect(ev.gaps).toEqual([]);
    const medicaid = run({ medications: [m], administrations: [a], payer: 'medicaid' });
    expect(gapCodes(medicaid)).toEqual(['ndc-missing']);
  });

  it('a Medication.code with only a text naming two drugs is not billed as either', () => {
    const ev = ordered(med([], 'dexamethasone 4 mg and methylprednisolone sodium succinate 125 mg'));
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['drug-not-identified@ma1']);
  });
});

describe('a titrated drip across local midnight', () => {
  // Baxter dobutamine 1000 mg/250 mL (4 mg/mL), J1250 BILLUNITS 4 (asp-crosswalk-2025q3.csv line
  // 1506), single-dose (LABELS). In an office J1250 is separately payable: JW/JZ apply.
  const chicagoOffice = facilitiesFrom(
    parseFacilities({ default: { setting: 'physician-office', timeZone: 'America/Chicago' } }),
  );
  /** A segment at `rate` mL/h between two UTC instants (Chicago is UTC-5 in March 2025). */
  const segment = (id: string, rate: number, start: string, end: string, discarded?: number) =>
    admin({
      id,
      ndc: CMS_NDC.dobutamineBag1000,
      rate: { value: rate, unit: 'mL/h' },
      period: { start, end },
      ...(discarded !== undefined ? { discarded: { value: discarded, unit: 'mL' } } : {}),
    });

  it('one bag from 21:00 to 06:00: no false waste gaps; JZ the first day, the waste billed on the day it was discarded', () => {
    const ev = run(
      {
        administrations: [
          // 21:00-24:00 on 03-10 at 10 mL/h: 30 mL = 120 mg.
          segment('s1', 10, '2025-03-11T02:00:00Z', '2025-03-11T05:00:00Z'),
          // 00:00-03:00 on 03-11 at 20 mL/h: 60 mL = 240 mg.
          segment('s2', 20, '2025-03-11T05:00:00Z', '2025-03-11T08:00:00Z'),
          // 03:00-06:00 at 15 mL/h: 45 mL = 180 mg; the bag's 250 - 135 = 115 mL discarded.
          segment('s3', 15, '2025-03-11T08:00:00Z', '2025-03-11T11:00:00Z', 115),
        ],
      },
      chicagoOffice,
    );
    // 03-10: 120 mg, J1250 x 1, nothing discarded that day (the bag ran on): JZ.
    // 03-11: 420 mg, J1250 x 2; the 460 mg left of the bag was discarded:
    // floor((420 + 460) / 250) - 2 = 1 JW unit. In all 4 units = the 1000 mg bag.
    expect(lineSummary(ev)).toEqual([
      'J1250|JW|1|2025-03-11',
      'J1250|JZ|1|2025-03-10',
      'J1250||2|2025-03-11',
    ]);
    expect(ev.gaps).toEqual([]);
  });

  it('the same drip without the discarded amount asks for it once, on the day the bag ended', () => {
    const ev = run(
      {
        administrations: [
          segment('s1', 10, '2025-03-11T02:00:00Z', '2025-03-11T05:00:00Z'),
          segment('s2', 20, '2025-03-11T05:00:00Z', '2025-03-11T08:00:00Z'),
          segment('s3', 15, '2025-03-11T08:00:00Z', '2025-03-11T11:00:00Z'),
        ],
      },
      chicagoOffice,
    );
    expect(lineSummary(ev)).toEqual(['J1250|JZ|1|2025-03-10', 'J1250||2|2025-03-11']);
    expect(gapCodes(ev)).toEqual(['wastage-undocumented']);
    expect(ev.gaps.map((g) => g.subjectKey)).toEqual(['s3']);
  });
});
