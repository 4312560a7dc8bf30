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
