/**
 * Who and where on a draft Claim, from what the EHR documented: the payer (the primary Coverage's
 * payor), the care team (CARIN Blue Button roles: the attending of the Encounter, the performer of
 * each administration, the practitioner who ordered it) and the facility (the Encounter's
 * location). docs/claim-mapping.md maps each to its 837 loop. Nothing is invented: a role nobody
 * documented is left out.
 */
import type {
  ClaimCareTeam,
  Coverage,
  Encounter,
  Location,
  MedicationAdministration,
  MedicationRequest,
  Organization,
  Reference,
} from '@medplum/fhirtypes';
import { codings, localRef } from '../../domain/fhir-values.ts';
import type { BillingLine } from '../../domain/types.ts';

export const CARE_TEAM_ROLE_SYSTEM = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole';
const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const PERFORM_FUNCTION = 'http://terminology.hl7.org/CodeSystem/med-admin-perform-function';

/** What the builder reads besides the evaluation. */
export interface ClaimSources {
  readonly encounter: Encounter;
  readonly coverages?: readonly Coverage[];
  readonly administrations?: readonly MedicationAdministration[];
  readonly medicationRequests?: readonly MedicationRequest[];
}

type Role = 'attending' | 'performing' | 'prescribing';

const PROVIDER_TYPES = ['Practitioner/', 'PractitionerRole/'];
const isProvider = (ref: string | undefined): ref is string =>
  ref !== undefined && PROVIDER_TYPES.some((t) => ref.startsWith(t));

/** The Coverage's payor that is an Organization (a self-pay Coverage names the Patient). */
export function insurerOf(
  sources: ClaimSources,
  coverage: string | undefined,
): Reference<Organization> | undefined {
  const c = (sources.coverages ?? []).find((x) => `Coverage/${x.id ?? ''}` === coverage);
  const payor = (Array.isArray(c?.payor) ? c.payor : [])
    .map((p) => localRef(p))
    .find((r) => r?.startsWith('Organization/'));
  return payor ? { reference: payor } : undefined;
}

/** The Encounter's current location (not one only planned), as the service facility. */
export function facilityOf(encounter: Encounter): Reference<Location> | undefined {
  const locations = Array.isArray(encounter.location) ? encounter.location : [];
  const ref = locations
    .filter((l) => l?.status !== 'planned')
    .map((l) => localRef(l?.location))
    .find((r) => r?.startsWith('Location/'));
  return ref ? { reference: ref } : undefined;
}

function attendingOf(encounter: Encounter): string | undefined {
  const participants = Array.isArray(encounter.participant) ? encounter.participant : [];
  return participants
    .filter((p) =>
      (Array.isArray(p?.type) ? p.type : []).some((t) =>
        codings(t, PARTICIPATION_TYPE).some((c) => c.code === 'ATND'),
      ),
    )
    .map((p) => localRef(p.individual))
    .find(isProvider);
}

/** Performers of an administration (function absent or `performer`: not a verifier or witness). */
function performersOf(ma: MedicationAdministration): string[] {
  return (Array.isArray(ma.performer) ? ma.performer : [])
    .filter((p) => {
      const fn = codings(p?.function, PERFORM_FUNCTION).map((c) => c.code);
      return fn.length === 0 || fn.includes('performer');
    })
    .map((p) => localRef(p?.actor))
    .filter(isProvider);
}

export interface CareTeam {
  readonly careTeam: ClaimCareTeam[];
  /** careTeam sequences of each line, in the lines' order. */
  readonly byLine: number[][];
}

/** The care team of the claim, and which members each line's administrations name. */
export function careTeamOf(sources: ClaimSources, lines: readonly BillingLine[]): CareTeam {
  const members: { ref: string; role: Role }[] = [];
  const seq = (ref: string, role: Role): number => {
    let i = members.findIndex((m) => m.ref === ref && m.role === role);
    if (i < 0) i = members.push({ ref, role }) - 1;
    return i + 1;
  };
  const attending = attendingOf(sources.encounter);
  if (attending) seq(attending, 'attending');
  const admins = new Map(
    (sources.administrations ?? []).map((a) => [`MedicationAdministration/${a.id ?? ''}`, a]),
  );
  const requests = new Map(
    (sources.medicationRequests ?? []).map((r) => [`MedicationRequest/${r.id ?? ''}`, r]),
  );
  const byLine = lines.map((line) => {
    const out = new Set<number>();
    for (const ref of line.sourceAdministrations) {
      const ma = admins.get(ref);
      if (!ma) continue;
      for (const p of performersOf(ma)) out.add(seq(p, 'performing'));
      const request = requests.get(localRef(ma.request) ?? '');
      const orderer = localRef(request?.requester);
      if (isProvider(orderer)) out.add(seq(orderer, 'prescribing'));
    }
    return [...out].sort((a, b) => a - b);
  });
  return {
    careTeam: members.map((m, i) => ({
      sequence: i + 1,
      provider: { reference: m.ref },
      ...(m.role === 'attending' ? { responsible: true } : {}),
      role: { coding: [{ system: CARE_TEAM_ROLE_SYSTEM, code: m.role }] },
    })),
    byLine,
  };
}
