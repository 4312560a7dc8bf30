/**
 * What every audit source hands to the audit: one Encounter's resources at a time, and how the
 * audit reads the Claims it finds (the posted side of the comparison).
 */
import type { Claim, Encounter, MedicationAdministration } from '@medplum/fhirtypes';
import type { EncounterInput } from '../domain/input.ts';
import type { Evaluation } from '../domain/types.ts';
import { localRef } from '../domain/fhir-values.ts';
import { encounterOfClaim, isClaimOf, isSubmitted, readClaimLines } from '../fhir/codec/index.ts';
import { readCharge, type PostedLine } from '../rules/checks/charges.ts';

export interface AuditItem {
  readonly input: EncounterInput;
  /** Every Claim found for the encounter, whoever wrote it (compared once it has left draft). */
  readonly claims: readonly Claim[];
  /** Already evaluated (the `--write` path evaluates through the service's use case). */
  readonly evaluation?: Evaluation;
  /** `MedicationAdministration/<id>` of an administration audited without an encounter. */
  readonly unlinkedAdministration?: string;
  /** The encounter's audited date (compare.ts `auditedDate`), when the source has already read it. */
  readonly auditedDate?: string;
}

export type Emit = (item: AuditItem) => void;

export type { PostedLine };

/** Encounter ids a Claim is about: vialwise's draft identifier, and `item.encounter`. */
export function claimEncounterIds(claim: Claim): string[] {
  const ids = new Set<string>();
  const drafted = encounterOfClaim(claim);
  if (drafted) ids.add(drafted);
  for (const item of Array.isArray(claim.item) ? claim.item : []) {
    for (const e of Array.isArray(item?.encounter) ? item.encounter : []) {
      const r = localRef(e);
      if (r?.startsWith('Encounter/')) ids.add(r.slice('Encounter/'.length));
    }
  }
  return [...ids];
}

/** True for the Claim the service drafts for this encounter (the only kind the engine reads). */
export const isDraftIdentifierClaim = isClaimOf;

/** The Claim that has left draft, most recent first by `created`. */
export function submittedClaim(claims: readonly Claim[]): Claim | undefined {
  return claims
    .filter((c) => c?.id && isSubmitted(c))
    .sort(
      (a, b) => (b.created ?? '').localeCompare(a.created ?? '') || (b.id ?? '').localeCompare(a.id ?? ''),
    )[0];
}

/** The lines of a Claim as posted (read through the codec): code, modifiers, units, date, administrations. */
export function postedFromClaim(claim: Claim): PostedLine[] {
  return readClaimLines(claim).flatMap((line) =>
    line.code
      ? [
          {
            ref: `Claim/${claim.id ?? ''}`,
            code: line.code,
            modifiers: line.modifiers,
            units: line.units ?? 1,
            dos: line.dateOfService,
            administrations: line.administrations,
          },
        ]
      : [],
  );
}

/** The billable ChargeItems of the encounter as posted (read as the engine reads them). */
export function postedFromCharges(input: EncounterInput): PostedLine[] {
  const encounterRef = `Encounter/${input.encounter.id ?? ''}`;
  const out: PostedLine[] = [];
  for (const ci of input.chargeItems) {
    if (ci?.context && localRef(ci.context) !== encounterRef) continue;
    const c = readCharge(ci);
    if (c) out.push(c);
  }
  return out;
}

/**
 * An administration without an encounter is evaluated on its own under a placeholder Encounter,
 * so that the engine raises `missing-encounter` for it (or skips a drug it does not bill).
 */
export function unlinkedItem(
  admin: MedicationAdministration,
  rest: Omit<EncounterInput, 'encounter' | 'administrations'>,
): AuditItem {
  const encounter: Encounter = {
    resourceType: 'Encounter',
    status: 'unknown',
    class: { code: '' },
    ...(admin.subject ? { subject: admin.subject } : {}),
  };
  return {
    input: { ...rest, encounter, administrations: [admin], chargeItems: [], claims: [] },
    claims: [],
    unlinkedAdministration: `MedicationAdministration/${admin.id ?? ''}`,
  };
}
