/**
 * From a changed resource to the Encounter(s) to re-evaluate (SPEC section 7), and the catch-up
 * sweep over recently updated resources.
 */
import type { Claim, DetectedIssue, Resource } from '@medplum/fhirtypes';
import { firstPage, isUnavailable, searchAll, type FhirGateway } from '../fhir/gateway.ts';
import { calendarDate, localRef } from '../domain/fhir-values.ts';
import { EXT } from '../domain/vocabulary.ts';

export const WATCHED_TYPES = [
  'MedicationAdministration',
  'Encounter',
  'Condition',
  'Coverage',
  'ChargeItem',
] as const;
export type WatchedType = (typeof WATCHED_TYPES)[number];

export function isWatchedType(t: unknown): t is WatchedType {
  return typeof t === 'string' && (WATCHED_TYPES as readonly string[]).includes(t);
}

export interface Target {
  readonly encounterId: string;
  readonly patient?: string;
}

function encounterId(ref: unknown): string | undefined {
  const r = localRef(ref as never);
  return r?.startsWith('Encounter/') ? r.slice('Encounter/'.length) : undefined;
}

/** Encounters a resource belongs to, without asking the server (undefined: ask it). */
export function directTargets(resource: Resource): Target[] | undefined {
  const r = resource as unknown as Record<string, unknown>;
  const patientOf = (x: unknown) => localRef(x as never);
  switch (resource.resourceType) {
    case 'Encounter':
      return resource.id ? [{ encounterId: resource.id, ...opt('patient', patientOf(r.subject)) }] : [];
    case 'MedicationAdministration':
    case 'ChargeItem': {
      const id = encounterId(r.context);
      return id ? [{ encounterId: id, ...opt('patient', patientOf(r.subject)) }] : [];
    }
    case 'Condition': {
      const id = encounterId(r.encounter);
      return id ? [{ encounterId: id, ...opt('patient', patientOf(r.subject)) }] : undefined;
    }
    case 'Coverage':
      return undefined;
    default:
      return [];
  }
}

function opt<K extends string>(k: K, v: string | undefined): { [P in K]?: string } {
  return (v ? { [k]: v } : {}) as { [P in K]?: string };
}

/**
 * Targets of a resource: a Coverage (or a Condition not tied to a visit) re-evaluates the
 * patient's Encounters within the look-back window.
 */
export async function targetsOf(resource: Resource, gateway: FhirGateway, since: Date): Promise<Target[]> {
  const direct = directTargets(resource);
  if (direct) return direct;
  const r = resource as unknown as Record<string, unknown>;
  const patient = localRef((resource.resourceType === 'Coverage' ? r.beneficiary : r.subject) as never);
  if (!patient?.startsWith('Patient/')) return [];
  // A Coverage is often registered or corrected days after the visit: it re-evaluates the
  // patient's Encounters within its own period (from the look-back when it has no start).
  const period = resource.resourceType === 'Coverage' ? resource.period : undefined;
  const from = calendarDate(period?.start) ?? since.toISOString().slice(0, 10);
  const to = calendarDate(period?.end);
  const { matches: found } = await searchAll(
    gateway,
    `Encounter?patient=${encodeURIComponent(patient)}&date=ge${from}${to ? `&date=le${to}` : ''}&_count=1000`,
  );
  return found.filter((e) => e.id).map((e) => ({ encounterId: e.id as string, patient }));
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
): Promise<Target[]> {
  if (resource.resourceType !== 'MedicationAdministration' || !resource.id) return [];
  const current = new Set((directTargets(resource) ?? []).map((t) => t.encounterId));
  if (known !== undefined) return current.has(known) ? [] : [{ encounterId: known }];
  try {
    const history = await firstPage(gateway, `MedicationAdministration/${resource.id}/_history?_count=2`);
    const versions = (history.entry ?? [])
      .map((e) => e.resource)
      .filter((r): r is Resource => !!r?.resourceType);
    const previous = versions.find((v) => v.meta?.versionId !== resource.meta?.versionId);
    return (previous ? (directTargets(previous) ?? []) : []).filter((t) => !current.has(t.encounterId));
  } catch (err) {
    if (isUnavailable(err)) throw err;
    return [];
  }
}

/** Encounters touched by any watched resource updated since `since` (the catch-up sweep). */
export async function sweepTargets(gateway: FhirGateway, since: Date): Promise<Target[]> {
  const byId = new Map<string, Target>();
  const stamp = since.toISOString();
  for (const type of WATCHED_TYPES) {
    const { matches: resources } = await searchAll(
      gateway,
      `${type}?_lastUpdated=gt${encodeURIComponent(stamp)}&_count=1000`,
    );
    for (const r of resources) {
      for (const t of await targetsOf(r, gateway, since))
        if (!byId.has(t.encounterId)) byId.set(t.encounterId, t);
    }
  }
  return [...byId.values()];
}

/**
 * Encounters affected by a deleted resource. Its last version names them where the server keeps
 * history (Medplum, HAPI); otherwise its open DetectedIssues do, or for an administration the
 * draft Claims updated within the look-back that bill it.
 */
export async function deletedTargets(
  gateway: FhirGateway,
  reference: string,
  since: Date,
): Promise<Target[]> {
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
  const targets = new Map<string, Target>();
  const { matches: issues } = await searchAll(
    gateway,
    `DetectedIssue?implicated=${encodeURIComponent(reference)}&_count=1000`,
  );
  for (const i of issues as DetectedIssue[]) {
    for (const r of i.implicated ?? []) {
      const ref = localRef(r);
      if (ref?.startsWith('Encounter/')) targets.set(ref, { encounterId: ref.slice('Encounter/'.length) });
    }
  }
  if (type === 'MedicationAdministration') {
    const { matches: drafts } = await searchAll(
      gateway,
      `Claim?status=draft&_lastUpdated=gt${encodeURIComponent(since.toISOString())}&_count=1000`,
    );
    for (const c of drafts as Claim[]) {
      const bills = (c.item ?? []).some((it) =>
        (it.extension ?? []).some(
          (e) => e.url === EXT.sourceAdministration && localRef(e.valueReference) === reference,
        ),
      );
      const enc = bills ? localRef(c.item?.[0]?.encounter?.[0]) : undefined;
      if (enc?.startsWith('Encounter/')) targets.set(enc, { encounterId: enc.slice('Encounter/'.length) });
    }
  }
  return [...targets.values()];
}
