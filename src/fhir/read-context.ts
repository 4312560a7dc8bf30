/**
 * Everything the engine needs for one Encounter, read in ONE batch request (SPEC sections 3 and 9):
 * the Encounter with its patient, diagnoses, administrations and their Medications, Conditions,
 * posted ChargeItems, the patient's Coverages and prior authorizations (via `_revinclude:iterate`),
 * body weights, and what vialwise wrote before (the Claim draft and the DetectedIssues).
 */
import type {
  Bundle,
  BundleEntry,
  ChargeItem,
  Claim,
  ClaimResponse,
  Condition,
  Coverage,
  DetectedIssue,
  Encounter,
  Medication,
  MedicationAdministration,
  Observation,
  Resource,
} from '@medplum/fhirtypes';
import type { EncounterInput } from '../domain/input.ts';
import { searchAll, type FhirGateway } from './gateway.ts';
import type { ExistingWrites } from './plan.ts';
import { BODY_WEIGHT_LOINC, CLAIM_DRAFT_SID, SYSTEMS } from '../domain/vocabulary.ts';

export interface EncounterContext {
  readonly input: EncounterInput;
  readonly existing: ExistingWrites;
  /** HTTP requests this read took (1 unless a result needed more than one page). */
  readonly requests: number;
}

const PAGE = 1000;

export function contextQueries(encounterId: string, patient?: string): string[] {
  const enc = encodeURIComponent(`Encounter/${encounterId}`);
  return [
    `Encounter?_id=${encodeURIComponent(encounterId)}` +
      '&_include=Encounter:patient&_include=Encounter:diagnosis' +
      '&_revinclude=MedicationAdministration:context&_include:iterate=MedicationAdministration:medication' +
      '&_revinclude=Condition:encounter&_revinclude=ChargeItem:context' +
      '&_revinclude:iterate=Coverage:beneficiary&_revinclude:iterate=ClaimResponse:patient' +
      `&_count=${PAGE}`,
    `Claim?identifier=${encodeURIComponent(`${CLAIM_DRAFT_SID}|Encounter/${encounterId}`)}&_count=${PAGE}`,
    `DetectedIssue?implicated=${enc}&_count=${PAGE}`,
    // Body weights of the patient; without a patient yet, those recorded in this encounter (a
    // weight-based infusion then triggers one more read: see readEncounterContext).
    patient ? weightQuery('patient', patient) : weightQuery('encounter', `Encounter/${encounterId}`),
  ];
}

/** Body-weight Observations (LOINC 29463-7) of a patient, or recorded in an encounter. */
export function weightQuery(by: 'patient' | 'encounter', reference: string): string {
  const code = encodeURIComponent(`${SYSTEMS.loinc}|${BODY_WEIGHT_LOINC}`);
  return `Observation?code=${code}&${by}=${encodeURIComponent(reference)}&_count=${PAGE}`;
}

/** True when an administration's rate is per kg of body weight (ug/kg/min and the like). */
function needsWeight(admins: readonly MedicationAdministration[]): boolean {
  return admins.some((a) => {
    const unit =
      a.dosage?.rateQuantity?.code ??
      a.dosage?.rateQuantity?.unit ??
      a.dosage?.rateRatio?.numerator?.code ??
      a.dosage?.rateRatio?.numerator?.unit;
    return typeof unit === 'string' && /\/kg\b/i.test(unit);
  });
}

export class EncounterNotFoundError extends Error {
  readonly code = 'encounter-not-found';
}

/** Reads the context; throws EncounterNotFoundError when the Encounter does not exist. */
export async function readEncounterContext(
  gateway: FhirGateway,
  encounterId: string,
  patient?: string,
): Promise<EncounterContext> {
  const queries = contextQueries(encounterId, patient);
  const request: Bundle = {
    resourceType: 'Bundle',
    type: 'batch',
    entry: queries.map((url) => ({ request: { method: 'GET', url } })),
  };
  const { results, pages } = await batchResults(gateway, await gateway.batch(request));
  let requests = 1 + pages;
  const [found = [], claimsFound = [], issues = [], weights = []] = results;
  const main = dedupe(found);
  const claims = dedupe(claimsFound as Claim[]);
  const encounter = main.find((r): r is Encounter => r.resourceType === 'Encounter' && r.id === encounterId);
  if (!encounter) throw new EncounterNotFoundError(`Encounter ${encounterId} not found`);
  const fromBatch = encounterInputOf(encounter, main, { claims });
  const { administrations } = fromBatch;
  let bodyWeights = weights as Observation[];
  const subject = encounter.subject?.reference;
  if (!patient && subject && needsWeight(administrations)) {
    // The batch could only ask for weights recorded in this encounter; the patient's latest
    // weight may come from an earlier visit. Rare enough to cost one more read.
    const found = await searchAll(gateway, weightQuery('patient', subject));
    requests++;
    bodyWeights = [...bodyWeights, ...(found.matches as Observation[])];
  }
  return {
    input: { ...fromBatch, bodyWeights: dedupe(bodyWeights) },
    existing: {
      claims,
      issues: dedupe(issues as DetectedIssue[]),
      administrations: administrations.map((a) => `MedicationAdministration/${a.id ?? ''}`),
    },
    requests,
  };
}

function dedupe<T extends Resource>(xs: T[]): T[] {
  const seen = new Map<string, T>();
  for (const x of xs) seen.set(`${x.resourceType}/${x.id ?? ''}`, x);
  return [...seen.values()];
}

/** Splits a posted Bundle (collection, searchset, batch or transaction) into the engine's input. */
export function inputFromBundle(bundle: Bundle, encounterId?: string): EncounterInput | undefined {
  const resources = (bundle.entry ?? [])
    .map((e: BundleEntry) => e?.resource)
    .filter((r): r is Resource => !!r && typeof r === 'object');
  const encounter = resources.find(
    (r): r is Encounter =>
      r.resourceType === 'Encounter' && (encounterId === undefined || r.id === encounterId),
  );
  return encounter ? encounterInputOf(encounter, resources) : undefined;
}

/**
 * The engine's input from a flat list of resources (one read, one posted Bundle, one audit
 * batch), sorted by type; body weights and Claims may come from their own searches.
 */
export function encounterInputOf(
  encounter: Encounter,
  resources: readonly Resource[],
  from: { readonly bodyWeights?: readonly Observation[]; readonly claims?: readonly Claim[] } = {},
): EncounterInput {
  const of = <T extends Resource>(type: T['resourceType']) =>
    resources.filter((r): r is T => r.resourceType === type);
  return {
    encounter,
    administrations: of<MedicationAdministration>('MedicationAdministration'),
    medications: of<Medication>('Medication'),
    conditions: of<Condition>('Condition'),
    coverages: of<Coverage>('Coverage'),
    priorAuthorizations: of<ClaimResponse>('ClaimResponse').filter((c) => c.use === 'preauthorization'),
    bodyWeights: from.bodyWeights ?? of<Observation>('Observation'),
    chargeItems: of<ChargeItem>('ChargeItem'),
    claims: from.claims ?? of<Claim>('Claim'),
  };
}

/**
 * The resources of each entry of a batch response, in order, following the server's next links
 * when a result needed more than one page (rare); `pages` counts those extra requests.
 */
export async function batchResults(
  gateway: FhirGateway,
  response: Bundle,
): Promise<{ results: Resource[][]; pages: number }> {
  let pages = 0;
  const results: Resource[][] = [];
  for (const [i, entry] of (response.entry ?? []).entries()) {
    const status = entry.response?.status ?? '';
    if (!status.startsWith('2'))
      throw new Error(`batch entry ${i} answered ${status.slice(0, 3) || 'no status'}`);
    const first = entry.resource as Bundle | undefined;
    const found: Resource[] = [];
    if (first) {
      for (const e of first.entry ?? []) if (e.resource) found.push(e.resource);
      for await (const page of gateway.pagesAfter(first)) {
        pages++;
        for (const e of page.entry ?? []) if (e.resource) found.push(e.resource);
      }
    }
    results.push(found);
  }
  return { results, pages };
}
