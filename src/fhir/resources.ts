/**
 * Pure builders of what vialwise writes: the draft Claim and one DetectedIssue per gap
 * (SPEC section 6). No I/O: the evaluation, the Encounter and the write context go in.
 */
import type {
  Claim,
  ClaimItem,
  DetectedIssue,
  Device,
  Encounter,
  Extension,
  Organization,
  Reference,
} from '@medplum/fhirtypes';
import { GAPS } from '../domain/gaps.ts';
import { GAP_CODE_SYSTEM } from '../domain/vocabulary.ts';
import type { BillingLine, Evaluation, Gap } from '../domain/types.ts';
import { PLACE_OF_SERVICE, encounterClassOf, isInstitutional } from '../domain/encounter.ts';
import {
  CLAIM_DRAFT_SID,
  CLAIM_TYPE_SYSTEM,
  DEVICE_IDENTIFIER_VALUE,
  DEVICE_SID,
  EXT,
  GAP_SID,
  NDC_UNIT_QUALIFIER_SYSTEM,
  POS_SYSTEM,
  PROCESS_PRIORITY_SYSTEM,
  SYSTEMS,
} from '../domain/vocabulary.ts';

export interface WriteContext {
  /** The evaluation time (ISO instant), used for `created` and `identifiedDateTime` of new resources. */
  readonly now: string;
  /** `Device/<id>` of the service on the FHIR server, when registered. */
  readonly device?: string;
  /** `Organization/<id>` used when the Encounter has no serviceProvider. */
  readonly billingProvider?: string;
}

export function claimIdentifierValue(encounterId: string): string {
  return `Encounter/${encounterId}`;
}

export function gapIdentifierValue(encounterId: string, gap: Pick<Gap, 'code' | 'subjectKey'>): string {
  return `${encounterId}:${gap.code}:${gap.subjectKey}`;
}

export function deviceReference(ctx: WriteContext): Reference<Device> {
  return {
    ...(ctx.device ? { reference: ctx.device } : {}),
    identifier: { system: DEVICE_SID, value: DEVICE_IDENTIFIER_VALUE },
    display: 'vialwise',
  };
}

function hcpcs(code: string) {
  return { coding: [{ system: SYSTEMS.hcpcs, code }] };
}

function claimItem(
  line: BillingLine,
  sequence: number,
  evaluation: Evaluation,
  pos: string | undefined,
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
    ...(pointers.length ? { diagnosisSequence: pointers } : {}),
    productOrService: hcpcs(line.code),
    ...(line.modifiers.length ? { modifier: line.modifiers.map(hcpcs) } : {}),
    servicedDate: line.dateOfService,
    ...(pos ? { locationCodeableConcept: { coding: [{ system: POS_SYSTEM, code: pos }] } } : {}),
    quantity: { value: line.units },
    ...(line.unitPrice ? { unitPrice: { ...line.unitPrice } } : {}),
    ...(line.net ? { net: { ...line.net } } : {}),
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

/** The draft Claim for the evaluation, or undefined when no Claim can be drafted (no Coverage). */
export function buildClaim(
  evaluation: Evaluation,
  encounter: Encounter,
  ctx: WriteContext,
  created: string = ctx.now,
): Claim | undefined {
  if (!evaluation.coverage || !evaluation.patient || !encounter.id) return undefined;
  const encounterClass = encounterClassOf(encounter);
  const pos = encounterClass ? PLACE_OF_SERVICE[encounterClass] : undefined;
  const provider: Reference<Organization> = encounter.serviceProvider?.reference
    ? { reference: encounter.serviceProvider.reference }
    : ctx.billingProvider
      ? { reference: ctx.billingProvider }
      : { display: 'billing provider not configured (BILLING_PROVIDER)' };
  const priced = evaluation.lines.filter((l) => l.net);
  const total =
    priced.length === evaluation.lines.length && priced.length > 0
      ? priced.reduce((s, l) => s + (l.net?.value ?? 0), 0)
      : undefined;
  return {
    resourceType: 'Claim',
    identifier: [{ system: CLAIM_DRAFT_SID, value: claimIdentifierValue(encounter.id) }],
    status: 'draft',
    type: {
      coding: [
        {
          system: CLAIM_TYPE_SYSTEM,
          code: isInstitutional(encounterClass) ? 'institutional' : 'professional',
        },
      ],
    },
    use: 'claim',
    patient: { reference: evaluation.patient },
    created,
    provider,
    priority: { coding: [{ system: PROCESS_PRIORITY_SYSTEM, code: 'normal' }] },
    insurance: [{ sequence: 1, focal: true, coverage: { reference: evaluation.coverage } }],
    ...(evaluation.diagnoses.length
      ? {
          diagnosis: evaluation.diagnoses.map((code, i) => ({
            sequence: i + 1,
            diagnosisCodeableConcept: { coding: [{ system: SYSTEMS.icd10cm, code }] },
          })),
        }
      : {}),
    ...(evaluation.lines.length
      ? { item: evaluation.lines.map((l, i) => claimItem(l, i + 1, evaluation, pos)) }
      : {}),
    ...(total !== undefined ? { total: { value: Math.round(total * 100) / 100, currency: 'USD' } } : {}),
  };
}

/** One open (`preliminary`) DetectedIssue for a gap. `claim` is a reference to the draft when there is one. */
export function buildDetectedIssue(
  gap: Gap,
  evaluation: Evaluation,
  encounterId: string,
  ctx: WriteContext,
  claim: string | undefined,
  identified: string = ctx.now,
): DetectedIssue {
  const implicated = [...gap.implicated, ...(claim ? [claim] : []), evaluation.encounter];
  return {
    resourceType: 'DetectedIssue',
    ...(gap.revenueAtRisk
      ? {
          extension: [
            { url: EXT.revenueAtRisk, valueMoney: { value: gap.revenueAtRisk.value, currency: 'USD' } },
          ],
        }
      : {}),
    identifier: [{ system: GAP_SID, value: gapIdentifierValue(encounterId, gap) }],
    status: 'preliminary',
    code: { coding: [{ system: GAP_CODE_SYSTEM, code: gap.code, display: GAPS[gap.code].display }] },
    severity: gap.severity,
    ...(evaluation.patient ? { patient: { reference: evaluation.patient } } : {}),
    identifiedDateTime: identified,
    author: deviceReference(ctx),
    implicated: [...new Set(implicated)].map((reference) => ({ reference })),
    detail: gap.detail,
  };
}
