/**
 * What the billing setting makes of a draft Claim (docs/claim-mapping.md, "By setting"): the claim
 * type, the NUBC type of bill and revenue code of an institutional claim, how the setting pays for
 * the drug lines, and the place of service. The setting comes from the billing facility
 * (FACILITIES_FILE, `Evaluation.setting`), never from Encounter.class alone: an AMB visit in a
 * hospital infusion clinic is hospital outpatient.
 *
 * Types of bill: Medicare Claims Processing Manual (Pub. 100-04) ch.3 (hospital inpatient 11x;
 * CAH inpatient also 11x), ch.4 (hospital outpatient 13x, CAH outpatient 85x), ch.9 (RHC 71x,
 * FQHC 77x); frequency 1, admit through discharge, since vialwise drafts originals only. Revenue
 * code 0636 for every HCPCS-coded drug on a hospital claim: ch.17 section 70. Places of service:
 * CMS Place of Service Code Set.
 */
import type { Encounter } from '@medplum/fhirtypes';
import { encounterClassOf } from '../../domain/encounter.ts';
import { billingSetting, DEFAULT_FACILITY, type BillingSetting } from '../../domain/facility.ts';

export type ClaimType = 'institutional' | 'professional';

/** Codes of the drug-payment CodeSystem (fhir-profiles/input/fsh/price-basis.fsh). */
export type DrugPayment = 'bundled-inpatient-stay' | 'all-inclusive-rate';

export interface ClaimShape {
  readonly type: ClaimType;
  /** NUBC type of bill with its leading zero (UB-04 form locator 4), institutional only. */
  readonly typeOfBill?: string;
  /** NUBC revenue code of every drug line, institutional only. */
  readonly revenue?: string;
  /** Why the drug lines are reported but not paid line by line. */
  readonly drugPayment?: DrugPayment;
  /** CMS place of service of every line. */
  readonly placeOfService: string;
  /** Which gross charges of the chargemaster apply (`setting` of the CMS file), when it prices the claim. */
  readonly chargeSetting?: 'inpatient' | 'outpatient';
}

export const DRUGS_REQUIRING_DETAILED_CODING = '0636';

/**
 * The place of service of a hospital's or CAH's outpatient line: 23 emergency room, 22 on-campus
 * outpatient hospital (observation, same-day surgery, infusion clinic). An off-campus department
 * (19) cannot be told from the Encounter: the facility entry would have to say so.
 */
function hospitalOutpatientPos(encounter: Encounter): string {
  return encounterClassOf(encounter) === 'EMER' ? '23' : '22';
}

/**
 * The shape of the claim for a setting. A physician office bills on the professional claim (837P)
 * with place of service 11; an ASC bills Medicare on the 837P too (place of service 24). A
 * provider-based hospital clinic is configured as `hospital-outpatient`: its drugs go on the
 * hospital's institutional claim, so vialwise never drafts a professional claim with place of
 * service 22 (the physician's own 837P for the visit carries no drug line).
 */
export function claimShape(setting: BillingSetting, encounter: Encounter): ClaimShape {
  if (setting.inpatient) {
    return {
      type: 'institutional',
      typeOfBill: '0111',
      revenue: DRUGS_REQUIRING_DETAILED_CODING,
      drugPayment: 'bundled-inpatient-stay',
      placeOfService: '21',
      chargeSetting: 'inpatient',
    };
  }
  switch (setting.setting) {
    case 'hospital-outpatient':
    case 'critical-access-hospital':
      return {
        type: 'institutional',
        typeOfBill: setting.setting === 'hospital-outpatient' ? '0131' : '0851',
        revenue: DRUGS_REQUIRING_DETAILED_CODING,
        placeOfService: hospitalOutpatientPos(encounter),
        chargeSetting: 'outpatient',
      };
    case 'rhc':
    case 'fqhc':
      return {
        type: 'institutional',
        typeOfBill: setting.setting === 'rhc' ? '0711' : '0771',
        revenue: DRUGS_REQUIRING_DETAILED_CODING,
        drugPayment: 'all-inclusive-rate',
        placeOfService: setting.setting === 'rhc' ? '72' : '50',
        chargeSetting: 'outpatient',
      };
    case 'asc':
      return { type: 'professional', placeOfService: '24' };
    case 'physician-office':
      return { type: 'professional', placeOfService: '11' };
  }
}

/** The evaluation's billing setting; an evaluation made without one bills as the default facility. */
export function settingOf(setting: BillingSetting | undefined, encounter: Encounter): BillingSetting {
  return setting ?? billingSetting(encounter, () => DEFAULT_FACILITY);
}
