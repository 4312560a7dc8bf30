/**
 * From a changed resource to the Encounters to re-evaluate, and the catch-up sweep over recently
 * updated resources (docs/notifications.md). A notification only says where to look: the
 * Encounter ids it names are re-evaluated from what the FHIR server holds, a patient is taken
 * from the server's copy of the resource, and a delete is believed only once the server confirms
 * it.
 */
import type { DetectedIssue, Resource } from '@medplum/fhirtypes';
import { calendarDate, localRef } from '../domain/fhir-values.ts';
import { claimBills, readClaimLines } from '../fhir/codec/index.ts';
import { firstPage, isUnavailable, searchAll, type FhirGateway } from '../fhir/gateway.ts';
import { upstreamStatus } from '../fhir/outcomes.ts';
import { isWatchedType, WATCHED_TYPES } from '../fhir/watched.ts';

function encounterIdOf(ref: unknown): string | undefined {
  const r = localRef(ref as never);
  return r?.startsWith('Encounter/') ? r.slice('Encounter/'.length) : undefined;
}

/** Encounters a resource belongs to, without asking the server (undefined: ask it). */
function directTargets(resource: Resource): string[] | undefined {
  const r = resource as unknown as Record<string, unknown>;
  switch (resource.resourceType) {
    case 'Encounter':
      return resource.id ? [resource.id] : [];
    case 'MedicationAdministration':
    case 'ChargeItem': {
      const id = encounterIdOf(r.context);
      return id ? [id] : [];
    }
    case 'Condition': {
      const id = encounterIdOf(r.encounter);
      return id ? [id] : undefined;
    }
    case 'Coverage':
      return undefined;
    default:
      return [];
  }
}

/** The server's current version of a resource, or undefined when it answers 404/410. */
async function current(gateway: FhirGateway, resource: Resource): Promise<Resource | undefined> {
  if (!resource.id) return undefined;
  try {
    return await gateway.read(resource.resourceType, resource.id);
  } catch (err) {
    const status = upstreamStatus(err);
    if (status === 404 || status === 410) return undefined;
    throw err;
  }
}

/**
 * Targets of a resource. A Coverage (or a Condition not tied to a visit) re-evaluates its
 * patient's Encounters within the look-back window; the patient is read from the server's copy
 * (one read, unless `fromServer` says the resource was just read there), not from a notification.
 */
export async function targetsOf(
  resource: Resource,
  gateway: FhirGateway,
  since: Date,
  fromServer = false,
): Promise<string[]> {
  const direct = directTargets(resource);
  if (direct) return direct;
  const stored = fromServer ? resource : await current(gateway, resource);
  if (!stored) return [];
  const r = stored as unknown as Record<string, unknown>;
  const patient = localRef((stored.resourceType === 'Coverage' ? r.beneficiary : r.subject) as never);
  if (!patient?.startsWith('Patient/')) return [];
  // A Coverage is often registered or corrected days after the visit: it re-evaluates the
  // patient's Encounters within its own period (from the look-back when it has no start).
  const period = stored.resourceType === 'Coverage' ? stored.period : undefined;
  const from = calendarDate(period?.start) ?? since.toISOString().slice(0, 10);
  const to = calendarDate(period?.end);
  const { matches: found } = await searchAll(
    gateway,
    `Encounter?patient=${encodeURIComponent(patient)}&date=ge${from}${to ? `&date=le${to}` : ''}&_count=1000`,
  );
  return found.filter((e) => e.id).map((e) => e.id as string);
}

/**
 * Encounters an administration was billed on before this version: moved to another Encounter,
 * it must leave the first one's Claim. `known` is where this replica last saw it (no request);
 * when it has not seen it, the previous version is read from the instance history (one request;
 * nothing when the server keeps no history).
 */
export async function previousTargets(
  resource: Resource,
  gateway: FhirGateway,
  known?: string,
): Promise<string[]> {
  if (resource.resourceType !== 'MedicationAdministration' || !resource.id) return [];
  const now = new Set(directTargets(resource) ?? []);
  if (known !== undefined) return now.has(known) ? [] : [known];
  try {
    const history = await firstPage(gateway, `MedicationAdministration/${resource.id}/_history?_count=2`);
    const versions = (history.entry ?? [])
      .map((e) => e.resource)
      .filter((r): r is Resource => !!r?.resourceType);
    const previous = versions.find((v) => v.meta?.versionId !== resource.meta?.versionId);
    return (previous ? (directTargets(previous) ?? []) : []).filter((id) => !now.has(id));
  } catch (err) {
    if (isUnavailable(err)) throw err;
    return [];
  }
}

/** Encounters touched by any watched resource updated since `since` (the catch-up sweep). */
export async function sweepTargets(gateway: FhirGateway, since: Date): Promise<string[]> {
  const ids = new Set<string>();
  const stamp = since.toISOString();
  for (const type of WATCHED_TYPES) {
    const { matches: resources } = await searchAll(
      gateway,
      `${type}?_lastUpdated=gt${encodeURIComponent(stamp)}&_count=1000`,
    );
    for (const r of resources) for (const id of await targetsOf(r, gateway, since, true)) ids.add(id);
  }
  return [...ids];
}

/**
 * Whether the FHIR server confirms that a resource is gone: a read answering 404 or 410. A
 * delete notification is signed over its body only (`{}`, the same for every delete), so its
 * headers could name anything and it could be replayed at any time; only the server knows.
 */
export async function confirmedDeleted(gateway: FhirGateway, reference: string): Promise<boolean> {
  const [type, id] = reference.split('/') as [Resource['resourceType'], string];
  try {
    await gateway.read(type, id);
    return false;
  } catch (err) {
    const status = upstreamStatus(err);
    if (status === 404 || status === 410) return true;
    throw err;
  }
}

/**
 * Encounters affected by a deleted resource (confirmed by `confirmedDeleted`). Its last version
 * names them where the server keeps history (Medplum, HAPI); otherwise its open DetectedIssues
 * do, or for an administration the draft Claims updated within the look-back that bill it.
 */
export async function deletedTargets(
  gateway: FhirGateway,
  reference: string,
  since: Date,
): Promise<string[]> {
  const [type] = reference.split('/');
  if (!isWatchedType(type)) return [];
  try {
    const history = await firstPage(gateway, `${reference}/_history?_count=5`);
    const previous = (history.entry ?? [])
      .map((e) => e.resource)
      .find((r): r is Resource => !!r?.resourceType);
    const direct = previous ? directTargets(previous) : undefined;
    if (direct?.length) return direct;
  } catch (err) {
    if (isUnavailable(err)) throw err;
    // No history of deleted resources on this server: fall through.
  }
  const targets = new Set<string>();
  const { matches: issues } = await searchAll(
    gateway,
    `DetectedIssue?implicated=${encodeURIComponent(reference)}&_count=1000`,
  );
  for (const i of issues as DetectedIssue[]) {
    for (const r of i.implicated ?? []) {
      const id = encounterIdOf(r);
      if (id) targets.add(id);
    }
  }
  if (type === 'MedicationAdministration') {
    const { matches: drafts } = await searchAll(
      gateway,
      `Claim?status=draft&_lastUpdated=gt${encodeURIComponent(since.toISOString())}&_count=1000`,
    );
    for (const c of drafts) {
      if (c.resourceType !== 'Claim' || !claimBills(c, reference)) continue;
      const id = encounterIdOf(readClaimLines(c)[0]?.encounter);
      if (id) targets.add(id);
    }
  }
  return [...targets];
}
