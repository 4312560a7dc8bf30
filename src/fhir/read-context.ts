/**
 * Everything the engine needs for one Encounter, read in one batch request: the Encounter with
 * its patient, diagnoses, the patient's Coverages and prior authorizations; the administrations
 * with their Medications, the Conditions and the posted ChargeItems, each list a search of its
 * own that is paged (a long stay has thousands of administrations, more than a server includes
 * in one `_revinclude`); body weights; and what vialwise wrote before (the Claim draft and the
 * DetectedIssues). Lists longer than a page cost one request per further page (docs/writes.md).
 *
 * Identities come from what the server answers: the patient whose weights are read is the
 * Encounter's subject as read here, never one named by a notification.
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
  MedicationRequest,
  Observation,
  Resource,
} from '@medplum/fhirtypes';
import type { EncounterInput } from '../domain/input.ts';
import { VialwiseError } from '../domain/errors.ts';
import { localRef } from '../domain/fhir-values.ts';
import { BODY_WEIGHT_LOINC, CLAIM_DRAFT_SID, SYSTEMS } from '../domain/vocabulary.ts';
import { resolveBundleReferences } from './bundle-refs.ts';
import { searchAll, type FhirGateway } from './gateway.ts';
import type { ExistingWrites } from './plan.ts';

export interface EncounterContext {
  readonly input: EncounterInput;
  readonly existing: ExistingWrites;
  /** `Patient/<id>` the Encounter's subject names, as the server answered it. */
  readonly patient: string | undefined;
  /** HTTP requests this read took: 1, plus one per further page, plus a weight read when needed. */
  readonly requests: number;
}

/** Page size of every list. Medplum and HAPI cap `_count` at 1,000. */
export const PAGE = 1000;
/**
 * Administrations per page. Medplum's router stops a search whose matches and includes exceed
 * 1,000 resources (fhir-router, "reached query scope limit"): 500 administrations leave room for
 * their Medications.
 */
export const ADMINISTRATION_PAGE = 500;

/** The parts of the context read, in the order of `contextQueries`. */
const CONTEXT_PARTS = [
  'encounter',
  'administrations',
  'conditions',
  'chargeItems',
  'claims',
  'issues',
  'weights',
] as const;
type ContextPart = (typeof CONTEXT_PARTS)[number];

/**
 * The searches of one Encounter's context, in CONTEXT_PARTS order. `patient` is a patient the
 * FHIR server named as this Encounter's subject before (see readEncounterContext); without it the
 * weights recorded in this Encounter are read.
 */
export function contextQueries(encounterId: string, patient?: string): string[] {
  const enc = encodeURIComponent(`Encounter/${encounterId}`);
  const byPart: Record<ContextPart, string> = {
    encounter:
      `Encounter?_id=${encodeURIComponent(encounterId)}` +
      '&_include=Encounter:patient&_include=Encounter:diagnosis' +
      '&_revinclude:iterate=Coverage:beneficiary&_revinclude:iterate=ClaimResponse:patient' +
      `&_count=${PAGE}`,
    administrations:
      `MedicationAdministration?context=${enc}&_include=MedicationAdministration:medication` +
      `&_count=${ADMINISTRATION_PAGE}`,
    conditions: `Condition?encounter=${enc}&_count=${PAGE}`,
    chargeItems: `ChargeItem?context=${enc}&_count=${PAGE}`,
    claims: `Claim?identifier=${encodeURIComponent(`${CLAIM_DRAFT_SID}|Encounter/${encounterId}`)}&_count=${PAGE}`,
    issues: `DetectedIssue?implicated=${enc}&_count=${PAGE}`,
    weights: patient ? weightQuery('patient', patient) : weightQuery('encounter', `Encounter/${encounterId}`),
  };
  return CONTEXT_PARTS.map((part) => byPart[part]);
}

/** The MedicationRequests of an Encounter (who ordered each drug: the Claim's prescribing provider). */
function requestQuery(encounterId: string): string {
  return `MedicationRequest?encounter=${encodeURIComponent(`Encounter/${encounterId}`)}&_count=${PAGE}`;
}

/** Body-weight Observations (LOINC 29463-7) of a patient, or recorded in an encounter. */
function weightQuery(by: 'patient' | 'encounter', reference: string): string {
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

/** The results of `contextQueries`, by part (each list deduplicated). */
export function splitContext(results: readonly Resource[][]): Record<ContextPart, Resource[]> {
  const out = {} as Record<ContextPart, Resource[]>;
  for (const [i, part] of CONTEXT_PARTS.entries()) out[part] = dedupe(results[i] ?? []);
  return out;
}

/**
 * Reads the context. `knownPatient` may name the patient a previous read of this Encounter
 * returned (it saves the extra weight read of a weight-based infusion); it is checked against
 * the Encounter's subject read now and ignored when they differ. Throws `encounter-not-found`
 * when the Encounter does not exist.
 */
export async function readEncounterContext(
  gateway: FhirGateway,
  encounterId: string,
  knownPatient?: string,
): Promise<EncounterContext> {
  // The orders behind the administrations, for the Claim's prescribing provider only: asked here
  // rather than in contextQueries, which the audit shares and does not need them.
  const queries = [...contextQueries(encounterId, knownPatient), requestQuery(encounterId)];
  const request: Bundle = {
    resourceType: 'Bundle',
    type: 'batch',
    entry: queries.map((url) => ({ request: { method: 'GET', url } })),
  };
  const { results, pages } = await batchResults(gateway, await gateway.batch(request));
  let requests = 1 + pages;
  const parts = splitContext(results);
  const encounter = parts.encounter.find(
    (r): r is Encounter => r.resourceType === 'Encounter' && r.id === encounterId,
  );
  if (!encounter) throw new VialwiseError('encounter-not-found', `Encounter ${encounterId} not found`);
  const claims = parts.claims.filter((r): r is Claim => r.resourceType === 'Claim');
  const resources = dedupe([
    ...parts.encounter,
    ...parts.administrations,
    ...parts.conditions,
    ...parts.chargeItems,
  ]);
  const medicationRequests = (results[CONTEXT_PARTS.length] ?? []).filter(
    (r): r is MedicationRequest => r.resourceType === 'MedicationRequest',
  );
  const fromBatch = {
    ...encounterInputOf(encounter, resources, { claims }),
    medicationRequests: dedupe(medicationRequests),
  };
  const { administrations } = fromBatch;
  const subject = localRef(encounter.subject);
  const patient = subject?.startsWith('Patient/') ? subject : undefined;
  let bodyWeights = parts.weights.filter((r): r is Observation => r.resourceType === 'Observation');
  if (knownPatient && knownPatient !== patient) bodyWeights = [];
  if (patient && knownPatient !== patient && needsWeight(administrations)) {
    // The batch could only ask for weights recorded in this encounter; the patient's latest
    // weight may come from an earlier visit.
    const found = await searchAll(gateway, weightQuery('patient', patient));
    requests += found.pages;
    bodyWeights = [...bodyWeights, ...(found.matches as Observation[])];
  }
  return {
    input: { ...fromBatch, bodyWeights: dedupe(bodyWeights) },
    existing: {
      claims,
      issues: parts.issues.filter((r): r is DetectedIssue => r.resourceType === 'DetectedIssue'),
      administrations: administrations.map((a) => `MedicationAdministration/${a.id ?? ''}`),
    },
    patient,
    requests,
  };
}

function dedupe<T extends Resource>(xs: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const x of xs) seen.set(`${x.resourceType}/${x.id ?? ''}`, x);
  return [...seen.values()];
}

/**
 * Splits a posted Bundle (collection, searchset, batch or transaction) into the engine's input,
 * with its `urn:uuid:` and absolute references resolved to `Type/id` through the entries'
 * `fullUrl`s.
 */
export function inputFromBundle(bundle: Bundle, encounterId?: string): EncounterInput | undefined {
  const resolved = resolveBundleReferences(bundle);
  const resources = (resolved.entry ?? [])
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
    medicationRequests: of<MedicationRequest>('MedicationRequest'),
  };
}

/** Matches on a searchset page (entries not added by `_include`). */
function matchCount(page: Bundle): number {
  return (page.entry ?? []).filter((e) => e?.resource && e.search?.mode !== 'include').length;
}

/**
 * The resources of each entry of a batch response, in order, following the server's next links
 * when a result needed more than one page; `pages` counts those extra requests. A search the
 * server answered only in part (its `total` is more than the matches its pages held) is an
 * error: evaluating half an Encounter would bill half of it.
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
      throw new VialwiseError(
        'fhir-refused',
        `batch entry ${i} answered ${status.slice(0, 3) || 'no status'}`,
      );
    const first = entry.resource as Bundle | undefined;
    const found: Resource[] = [];
    if (first) {
      let matched = matchCount(first);
      const collect = (page: Bundle) => {
        for (const e of resolveBundleReferences(page).entry ?? []) if (e.resource) found.push(e.resource);
      };
      collect(first);
      for await (const page of gateway.pagesAfter(first)) {
        pages++;
        matched += matchCount(page);
        collect(page);
      }
      if (typeof first.total === 'number' && first.total > matched)
        throw new VialwiseError(
          'fhir-incomplete',
          `batch entry ${i}: the server counted ${first.total} matches and returned ${matched}`,
        );
    }
    results.push(found);
  }
  return { results, pages };
}
