/**
 * Drafts vialwise's Claim from an evaluation (docs/claim-mapping.md maps every element to its 837I
 * and 837P loop): the shape the billing setting calls for (claim-setting.ts), who and where
 * (claim-parties.ts), and the charges with their price-basis tags (claim-pricing.ts). Pure.
 */
import type {
  Claim,
  ClaimItem,
  ClaimSupportingInfo,
  Extension,
  Organization,
  Period,
  Reference,
} from '@medplum/fhirtypes';
import { localDate } from '../../domain/time-zone.ts';
import type { BillingLine, Evaluation } from '../../domain/types.ts';
import {
  CLAIM_DRAFT_SID,
  CLAIM_TYPE_SYSTEM,
  EXT,
  NDC_UNIT_QUALIFIER_SYSTEM,
  POS_SYSTEM,
  PROCESS_PRIORITY_SYSTEM,
  SYSTEMS,
} from '../../domain/vocabulary.ts';
import { claimIdentifierValue, type WriteContext } from './claim.ts';
import { careTeamOf, facilityOf, insurerOf, type ClaimSources } from './claim-parties.ts';
import { priceBasisMeta, priceLine, type LinePrice, type PriceBasis } from './claim-pricing.ts';
import { claimShape, settingOf, type ClaimShape } from './claim-setting.ts';

export const TYPE_OF_BILL_SYSTEM = 'https://www.nubc.org/CodeSystem/TypeOfBill';
export const REVENUE_CODE_SYSTEM = 'https://www.nubc.org/CodeSystem/RevenueCodes';
export const DRUG_PAYMENT_SYSTEM = 'https://vialwise.dev/fhir/CodeSystem/drug-payment';
const C4BB_SUPPORTING_INFO = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType';
const CLAIM_INFO_CATEGORY = 'http://terminology.hl7.org/CodeSystem/claiminformationcategory';

function hcpcs(code: string) {
  return { coding: [{ system: SYSTEMS.hcpcs, code }] };
}

function claimItem(
  line: BillingLine,
  sequence: number,
  evaluation: Evaluation,
  shape: ClaimShape,
  price: LinePrice | undefined,
  careTeam: readonly number[],
): ClaimItem {
  const extension: Extension[] = line.sourceAdministrations.map((r) => ({
    url: EXT.sourceAdministration,
    valueReference: { reference: r },
  }));
  const pointers = (line.diagnosisCodes ?? [])
    .map((c) => evaluation.diagnoses.indexOf(c) + 1)
    .filter((n) => n > 0)
    .slice(0, 4);
  return {
    extension,
    sequence,
    ...(careTeam.length ? { careTeamSequence: [...careTeam] } : {}),
    ...(pointers.length ? { diagnosisSequence: pointers } : {}),
    ...(shape.revenue ? { revenue: { coding: [{ system: REVENUE_CODE_SYSTEM, code: shape.revenue }] } } : {}),
    productOrService: hcpcs(line.code),
    ...(line.modifiers.length ? { modifier: line.modifiers.map(hcpcs) } : {}),
    servicedDate: line.dateOfService,
    locationCodeableConcept: { coding: [{ system: POS_SYSTEM, code: shape.placeOfService }] },
    quantity: { value: line.units },
    ...(price ? { unitPrice: { ...price.unitPrice }, net: { ...price.net } } : {}),
    encounter: [{ reference: evaluation.encounter }],
    ...(line.ndc
      ? {
          detail: [
            {
              sequence: 1,
              productOrService: { coding: [{ system: SYSTEMS.ndc, code: line.ndc.ndc }] },
              quantity: {
                value: line.ndc.quantity,
                unit: line.ndc.unit,
                system: NDC_UNIT_QUALIFIER_SYSTEM,
                code: line.ndc.unit,
              },
            },
          ],
        }
      : {}),
  };
}

/**
 * The statement covers period (837I DTP*434): the Encounter's period as calendar dates in the
 * facility's time zone, widened to every date of service (an open Encounter has no end yet).
 */
function billablePeriodOf(
  sources: ClaimSources,
  evaluation: Evaluation,
  timeZone: string | undefined,
): Period | undefined {
  const period = sources.encounter.period;
  const dates = [
    localDate(period?.start, timeZone),
    localDate(period?.end, timeZone),
    ...evaluation.lines.map((l) => l.dateOfService),
  ].filter((d): d is string => d !== undefined);
  if (!dates.length) return undefined;
  dates.sort();
  return { start: dates[0] as string, end: dates[dates.length - 1] as string };
}

function supportingInfoOf(shape: ClaimShape): ClaimSupportingInfo[] {
  const info: ClaimSupportingInfo[] = [];
  if (shape.typeOfBill) {
    info.push({
      sequence: info.length + 1,
      category: { coding: [{ system: C4BB_SUPPORTING_INFO, code: 'typeofbill' }] },
      code: { coding: [{ system: TYPE_OF_BILL_SYSTEM, code: shape.typeOfBill }] },
    });
  }
  if (shape.drugPayment) {
    info.push({
      sequence: info.length + 1,
      category: { coding: [{ system: CLAIM_INFO_CATEGORY, code: 'info' }] },
      code: { coding: [{ system: DRUG_PAYMENT_SYSTEM, code: shape.drugPayment }] },
    });
  }
  return info;
}

/**
 * The draft Claim for the evaluation, or undefined when no Claim can be drafted (no Coverage).
 * `sources` is the Encounter with what was read beside it (Coverages, administrations, orders);
 * an Encounter alone drafts the Claim without payer and care team.
 */
export function buildClaim(
  evaluation: Evaluation,
  sources: ClaimSources,
  ctx: WriteContext,
  created: string = ctx.now,
): Claim | undefined {
  const { encounter } = sources;
  if (!evaluation.coverage || !evaluation.patient || !encounter.id) return undefined;
  const setting = settingOf(evaluation.setting, encounter);
  const shape = claimShape(setting, encounter);
  const provider: Reference<Organization> = encounter.serviceProvider?.reference
    ? { reference: encounter.serviceProvider.reference }
    : ctx.billingProvider
      ? { reference: ctx.billingProvider }
      : { display: 'billing provider not configured (BILLING_PROVIDER)' };
  const insurer: Reference<Organization> = insurerOf(sources, evaluation.coverage) ?? {
    display: 'payer not identified: the Coverage names no payor Organization',
  };
  const prices = evaluation.lines.map((l) => priceLine(l, shape.chargeSetting, ctx.pricing));
  const tags = new Set<PriceBasis>(prices.flatMap((p) => p?.tags ?? []));
  const meta = priceBasisMeta(tags);
  const totalCents = prices.every((p) => p !== undefined)
    ? prices.reduce((s, p) => s + Math.round((p?.net.value ?? 0) * 100), 0)
    : undefined;
  const team = careTeamOf(sources, evaluation.lines);
  const facility = facilityOf(encounter);
  const billablePeriod = billablePeriodOf(sources, evaluation, setting.timeZone);
  const supportingInfo = supportingInfoOf(shape);
  return {
    resourceType: 'Claim',
    ...(meta ? { meta } : {}),
    identifier: [{ system: CLAIM_DRAFT_SID, value: claimIdentifierValue(encounter.id) }],
    status: 'draft',
    type: { coding: [{ system: CLAIM_TYPE_SYSTEM, code: shape.type }] },
    use: 'claim',
    patient: { reference: evaluation.patient },
    ...(billablePeriod ? { billablePeriod } : {}),
    created,
    insurer,
    provider,
    priority: { coding: [{ system: PROCESS_PRIORITY_SYSTEM, code: 'normal' }] },
    ...(team.careTeam.length ? { careTeam: team.careTeam } : {}),
    ...(facility ? { facility } : {}),
    ...(supportingInfo.length ? { supportingInfo } : {}),
    ...(evaluation.diagnoses.length
      ? {
          diagnosis: evaluation.diagnoses.map((code, i) => ({
            sequence: i + 1,
            diagnosisCodeableConcept: { coding: [{ system: SYSTEMS.icd10cm, code }] },
          })),
        }
      : {}),
    insurance: [{ sequence: 1, focal: true, coverage: { reference: evaluation.coverage } }],
    ...(evaluation.lines.length
      ? {
          item: evaluation.lines.map((l, i) =>
            claimItem(l, i + 1, evaluation, shape, prices[i], team.byLine[i] ?? []),
          ),
        }
      : {}),
    ...(totalCents !== undefined && evaluation.lines.length
      ? { total: { value: totalCents / 100, currency: 'USD' } }
      : {}),
  };
}
