/**
 * vialwise's own Claim, both ways: `buildClaim` (claim-build.ts) drafts it from an evaluation
 * (docs/claim-mapping maps each element to its 837 loop), `readClaimLines` reads the drug lines of any Claim back
 * (what vialwise drafted, or a Claim the billing system submitted), and `isSubmitted` says
 * whether vialwise may still change it. Pure, and tolerant of malformed data from a server.
 */
import type { Claim, ClaimItem, Device, Reference } from '@medplum/fhirtypes';
import { isSubmittedStatus, isVoidStatus } from '../../domain/claim-status.ts';
import { calendarDate, codings, finiteNumber, localRef } from '../../domain/fhir-values.ts';
import {
  CLAIM_DRAFT_SID,
  DEVICE_IDENTIFIER_VALUE,
  DEVICE_SID,
  EXT,
  SYSTEMS,
} from '../../domain/vocabulary.ts';
import type { ClaimPricing } from './claim-pricing.ts';

export interface WriteContext {
  /** The evaluation time (ISO instant), used for `created` and `identifiedDateTime` of new resources. */
  readonly now: string;
  /** `Device/<id>` of the service on the FHIR server, when registered. */
  readonly device?: string;
  /** `Organization/<id>` used when the Encounter has no serviceProvider. */
  readonly billingProvider?: string;
  /** Payment limits and the hospital's chargemaster, for the charges on the Claim (claim-pricing.ts). */
  readonly pricing?: ClaimPricing;
}

/** The value of the draft identifier (system CLAIM_DRAFT_SID) of an Encounter's Claim. */
export function claimIdentifierValue(encounterId: string): string {
  return `Encounter/${encounterId}`;
}

/** True for a Claim carrying the draft identifier of this Encounter (whatever its status). */
export function isClaimOf(claim: Claim, encounterId: string): boolean {
  const ids = Array.isArray(claim?.identifier) ? claim.identifier : [];
  return ids.some((i) => i?.system === CLAIM_DRAFT_SID && i.value === claimIdentifierValue(encounterId));
}

/** The Encounter id a Claim's draft identifier names, if it carries one. */
export function encounterOfClaim(claim: Claim): string | undefined {
  const ids = Array.isArray(claim?.identifier) ? claim.identifier : [];
  const value = ids.find((i) => i?.system === CLAIM_DRAFT_SID)?.value;
  return typeof value === 'string' && value.startsWith('Encounter/')
    ? value.slice('Encounter/'.length)
    : undefined;
}

/** Left `draft` and not void: billed, never modified by vialwise (domain/claim-status.ts). */
export function isSubmitted(claim: Claim): boolean {
  return isSubmittedStatus(claim?.status);
}

export function isDraft(claim: Claim): boolean {
  return claim?.status === 'draft';
}

/** Cancelled or entered in error. */
export function isVoid(claim: Claim): boolean {
  return isVoidStatus(claim?.status);
}

export function deviceReference(ctx: Pick<WriteContext, 'device'>): Reference<Device> {
  return {
    ...(ctx.device ? { reference: ctx.device } : {}),
    identifier: { system: DEVICE_SID, value: DEVICE_IDENTIFIER_VALUE },
    display: 'vialwise',
  };
}

/** One drug line of a Claim as written; a field is undefined when the item does not carry it. */
export interface ClaimLine {
  /** The HCPCS code (upper case), from a HCPCS coding of `productOrService` shaped like one. */
  readonly code: string | undefined;
  /** `productOrService.text`, for display when no HCPCS code is there. */
  readonly text: string | undefined;
  /** JW, JZ and other two-character HCPCS modifiers (upper case), from `modifier` and `productOrService`. */
  readonly modifiers: readonly string[];
  readonly units: number | undefined;
  /** Calendar date of `servicedDate`, or the start of `servicedPeriod`. */
  readonly dateOfService: string | undefined;
  /** The NDC of the first `detail`, with its quantity and unit qualifier. */
  readonly ndc: { readonly code: string; readonly quantity?: number; readonly unit?: string } | undefined;
  readonly unitPrice: number | undefined;
  readonly net: number | undefined;
  /** `MedicationAdministration/<id>` of the source-administration extensions. */
  readonly administrations: readonly string[];
  /** `Encounter/<id>` of the item's first encounter. */
  readonly encounter: string | undefined;
}

const HCPCS_CODE = /^[A-Z]\d{4}$/;
const MODIFIER = /^[A-Z0-9]{2}$/;

/** Reads one Claim item. */
export function readClaimItem(item: ClaimItem): ClaimLine {
  const product = codings(item?.productOrService, SYSTEMS.hcpcs).map((c) => (c.code as string).toUpperCase());
  const modifiers = [
    ...product.filter((c) => MODIFIER.test(c)),
    ...(Array.isArray(item?.modifier) ? item.modifier : []).flatMap((m) =>
      codings(m, SYSTEMS.hcpcs).map((c) => (c.code as string).toUpperCase()),
    ),
  ];
  const detail = Array.isArray(item?.detail) ? item.detail[0] : undefined;
  const ndcCode = detail ? codings(detail.productOrService, SYSTEMS.ndc)[0]?.code : undefined;
  const ndcQuantity = finiteNumber(detail?.quantity?.value);
  const ndcUnit = detail?.quantity?.unit ?? detail?.quantity?.code;
  const administrations = (Array.isArray(item?.extension) ? item.extension : [])
    .filter((e) => e?.url === EXT.sourceAdministration)
    .map((e) => localRef(e.valueReference))
    .filter((r): r is string => r?.startsWith('MedicationAdministration/') ?? false);
  const encounter = localRef(Array.isArray(item?.encounter) ? item.encounter[0] : undefined);
  const text = item?.productOrService?.text;
  return {
    code: product.find((c) => HCPCS_CODE.test(c)),
    text: typeof text === 'string' ? text : undefined,
    modifiers,
    units: finiteNumber(item?.quantity?.value),
    dateOfService: calendarDate(item?.servicedDate ?? item?.servicedPeriod?.start),
    ndc: ndcCode
      ? {
          code: ndcCode,
          ...(ndcQuantity !== undefined ? { quantity: ndcQuantity } : {}),
          ...(typeof ndcUnit === 'string' ? { unit: ndcUnit } : {}),
        }
      : undefined,
    unitPrice: finiteNumber(item?.unitPrice?.value),
    net: finiteNumber(item?.net?.value),
    administrations,
    encounter: encounter?.startsWith('Encounter/') ? encounter : undefined,
  };
}

/** Reads every item of a Claim, in order. */
export function readClaimLines(claim: Claim): ClaimLine[] {
  return (Array.isArray(claim?.item) ? claim.item : []).map(readClaimItem);
}

/** True when any line of the Claim bills the administration (`MedicationAdministration/<id>`). */
export function claimBills(claim: Claim, administration: string): boolean {
  return readClaimLines(claim).some((l) => l.administrations.includes(administration));
}
