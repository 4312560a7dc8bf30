/**
 * What every audit source hands to the audit: one Encounter's resources at a time, and how the
 * audit reads the Claims it finds (the posted side of the comparison).
 */
import type { Claim, Encounter, MedicationAdministration } from '@medplum/fhirtypes';
import type { EncounterInput } from '../domain/input.ts';
import type { Evaluation } from '../domain/types.ts';
import { calendarDate, codings, finiteNumber, localRef } from '../domain/fhir-values.ts';
import { CLAIM_DRAFT_SID, EXT, SYSTEMS } from '../domain/vocabulary.ts';

export interface AuditItem {
  readonly input: EncounterInput;
  /** Every Claim found for the encounter, whoever wrote it (compared once it has left draft). */
  readonly claims: readonly Claim[];
  /** Already evaluated (the `--write` path evaluates through the service's use case). */
  readonly evaluation?: Evaluation;
  /** `MedicationAdministration/<id>` of an administration audited without an encounter. */
  readonly unlinkedAdministration?: string;
}

export type Emit = (item: AuditItem) => void;

/** A posted line: a billable ChargeItem, or an item of a Claim that has left draft. */
export interface PostedLine {
  readonly ref: string;
  readonly code: string;
  readonly modifiers: readonly string[];
  readonly units: number;
  readonly dos: string | undefined;
  readonly administrations: readonly string[];
}

const NOT_SUBMITTED = new Set(['draft', 'entered-in-error', 'cancelled']);
const HCPCS_CODE = /^[A-Z]\d{4}$/;
const MODIFIER = /^[A-Z0-9]{2}$/;

/** Encounter ids a Claim is about: vialwise's draft identifier, and `item.encounter`. */
export function claimEncounterIds(claim: Claim): string[] {
  const ids = new Set<string>();
  for (const i of Array.isArray(claim.identifier) ? claim.identifier : []) {
    if (i?.system === CLAIM_DRAFT_SID && typeof i.value === 'string' && i.value.startsWith('Encounter/')) {
      ids.add(i.value.slice('Encounter/'.length));
    }
  }
  for (const item of Array.isArray(claim.item) ? claim.item : []) {
    for (const e of Array.isArray(item?.encounter) ? item.encounter : []) {
      const r = localRef(e);
      if (r?.startsWith('Encounter/')) ids.add(r.slice('Encounter/'.length));
    }
  }
  return [...ids];
}

/** True for the Claim the service drafts for this encounter (the only kind the engine reads). */
export function isDraftIdentifierClaim(claim: Claim, encounterId: string): boolean {
  return (claim.identifier ?? []).some(
    (i) => i?.system === CLAIM_DRAFT_SID && i.value === `Encounter/${encounterId}`,
  );
}

/** The Claim that has left draft, most recent first by `created`. */
export function submittedClaim(claims: readonly Claim[]): Claim | undefined {
  return claims
    .filter((c) => c?.id && !NOT_SUBMITTED.has(c.status))
    .sort(
      (a, b) => (b.created ?? '').localeCompare(a.created ?? '') || (b.id ?? '').localeCompare(a.id ?? ''),
    )[0];
}

/** The lines of a Claim as posted: HCPCS code, modifiers, units, date, administrations. */
export function postedFromClaim(claim: Claim): PostedLine[] {
  const out: PostedLine[] = [];
  for (const item of Array.isArray(claim.item) ? claim.item : []) {
    const hcpcs = codings(item?.productOrService, SYSTEMS.hcpcs).map((c) => (c.code as string).toUpperCase());
    const code = hcpcs.find((c) => HCPCS_CODE.test(c));
    if (!code) continue;
    const modifiers = [
      ...hcpcs.filter((c) => MODIFIER.test(c)),
      ...(Array.isArray(item.modifier) ? item.modifier : []).flatMap((m) =>
        codings(m, SYSTEMS.hcpcs).map((c) => (c.code as string).toUpperCase()),
      ),
    ];
    const administrations = (Array.isArray(item.extension) ? item.extension : [])
      .filter((e) => e?.url === EXT.sourceAdministration)
      .map((e) => localRef(e.valueReference))
      .filter((r): r is string => r?.startsWith('MedicationAdministration/') ?? false);
    out.push({
      ref: `Claim/${claim.id ?? ''}`,
      code,
      modifiers,
      units: finiteNumber(item.quantity?.value) ?? 1,
      dos: calendarDate(item.servicedDate ?? item.servicedPeriod?.start),
      administrations,
    });
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
