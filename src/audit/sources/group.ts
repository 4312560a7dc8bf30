/**
 * The audit pass over one partition file (run in a worker): its records are parsed a few logical
 * partitions at a time (about 256 KB of NDJSON: the parsed resources die young, which keeps the
 * garbage collector's work and the heap small), grouped into encounters with everything the
 * engine reads, and handed on in a fixed order: logical partition, then encounters by start and
 * id, then administrations without an encounter. The order depends only on the data, never on
 * the number of workers or shards.
 */
import { isUtf8 } from 'node:buffer';
import type {
  ChargeItem,
  Claim,
  ClaimResponse,
  Condition,
  Coverage,
  Encounter,
  Medication,
  MedicationAdministration,
  Observation,
  Resource,
} from '@medplum/fhirtypes';
import type { FacilityResolver } from '../../domain/facility.ts';
import { localRef } from '../../domain/fhir-values.ts';
import { auditedDate } from '../compare.ts';
import { claimEncounterIds, isDraftIdentifierClaim, unlinkedItem, type AuditItem } from '../item.ts';
import type { DateRange } from '../range.ts';
import { jsonErrorReason } from './lines.ts';
import type { PartitionRecords } from './partition-store.ts';

export const DEFAULT_GROUP_BYTES = 256 * 1024;

/** A record that could not be read, by where it came from. */
export interface RecordProblem {
  readonly input: number;
  readonly range: number;
  readonly line: number;
  readonly reason: string;
}

export interface GroupSink {
  item(item: AuditItem): void;
  broken(problem: RecordProblem): void;
  /** Administrations whose Encounter is not among the partition's resources. */
  withoutEncounter(count: number): void;
}

interface PatientData {
  conditions: Condition[];
  coverages: Coverage[];
  priorAuthorizations: ClaimResponse[];
  bodyWeights: Observation[];
}

const NONE: PatientData = { conditions: [], coverages: [], priorAuthorizations: [], bodyWeights: [] };
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Plain string order (localeCompare is locale-aware, and far slower in a hot sort). */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const encounterIdOf = (ref: string | undefined) =>
  ref?.startsWith('Encounter/') ? ref.slice('Encounter/'.length) : undefined;

/** Audits the records of a partition file group by group. */
export function groupRecords(
  recs: PartitionRecords,
  medications: ReadonlyMap<string, Medication>,
  range: DateRange,
  sink: GroupSink,
  groupBytes = DEFAULT_GROUP_BYTES,
  facilities?: FacilityResolver,
): void {
  const { order } = recs;
  let from = 0;
  while (from < order.length) {
    // Whole logical partitions, up to about groupBytes.
    let to = from;
    let size = 0;
    while (to < order.length) {
      const r = order[to] as number;
      const p = recs.partition[r] as number;
      let next = to;
      let partSize = 0;
      while (next < order.length && recs.partition[order[next] as number] === p) {
        const k = order[next] as number;
        partSize += (recs.end[k] as number) - (recs.start[k] as number);
        next++;
      }
      if (size > 0 && size + partSize > groupBytes) break;
      size += partSize;
      to = next;
    }
    auditGroup(recs, from, to, medications, range, sink, facilities);
    from = to;
  }
}

function parseRecord(recs: PartitionRecords, k: number, sink: GroupSink): Resource | undefined {
  const start = recs.start[k] as number;
  const end = recs.end[k] as number;
  const broken = (reason: string) =>
    sink.broken({
      input: recs.input[k] as number,
      range: recs.range[k] as number,
      line: recs.line[k] as number,
      reason,
    });
  if (!recs.utf8 && !isUtf8(recs.bytes.subarray(start, end))) {
    broken('not valid UTF-8');
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(recs.bytes.toString('utf8', start, end));
  } catch (err) {
    // The scan of the partition pass accepted it, JSON.parse does not: name it where it came from.
    broken(jsonErrorReason(err));
    return undefined;
  }
  const type = (value as { resourceType?: unknown } | null)?.resourceType;
  if (typeof value !== 'object' || value === null || typeof type !== 'string' || !RESOURCE_TYPE.test(type)) {
    broken('not a FHIR resource (no resourceType)');
    return undefined;
  }
  return value as Resource;
}

interface Keyed {
  readonly partition: number;
  readonly kind: 0 | 1;
  readonly date: string;
  readonly id: string;
  readonly item: () => AuditItem | undefined;
}

function auditGroup(
  recs: PartitionRecords,
  from: number,
  to: number,
  medications: ReadonlyMap<string, Medication>,
  range: DateRange,
  sink: GroupSink,
  facilities: FacilityResolver | undefined,
): void {
  // The last version of each resource wins (an export should not repeat ids; be safe anyway), in
  // the place of the first: resources in order, and where each type and id is in that order (a
  // map per type, so that no `Type/id` key is built per record).
  const resources: Resource[] = [];
  const partitions: number[] = [];
  const placed = new Map<string, Map<string, number>>();
  for (let i = from; i < to; i++) {
    const k = recs.order[i] as number;
    const r = parseRecord(recs, k, sink);
    if (!r) continue;
    const partition = recs.partition[k] as number;
    const rawId: unknown = r.id ?? `#${i}`;
    const id = typeof rawId === 'string' ? rawId : `${rawId as string}`;
    let ofType = placed.get(r.resourceType);
    if (!ofType) placed.set(r.resourceType, (ofType = new Map<string, number>()));
    const at = ofType.get(id);
    if (at === undefined) {
      ofType.set(id, resources.length);
      resources.push(r);
      partitions.push(partition);
    } else {
      resources[at] = r;
      partitions[at] = partition;
    }
  }

  const encounters = new Map<string, { encounter: Encounter; partition: number }>();
  const admins = new Map<string, MedicationAdministration[]>();
  const unlinked: { admin: MedicationAdministration; partition: number }[] = [];
  const charges = new Map<string, ChargeItem[]>();
  const claims = new Map<string, Claim[]>();
  const conditionsByEncounter = new Map<string, Condition[]>();
  const patients = new Map<string, PatientData>();
  const patientData = (ref: string | undefined): PatientData | undefined => {
    if (!ref) return undefined;
    let p = patients.get(ref);
    if (!p)
      patients.set(ref, (p = { conditions: [], coverages: [], priorAuthorizations: [], bodyWeights: [] }));
    return p;
  };

  for (let n = 0; n < resources.length; n++) {
    const r = resources[n] as Resource;
    const partition = partitions[n] as number;
    switch (r.resourceType) {
      case 'Encounter':
        if (r.id) encounters.set(r.id, { encounter: r, partition });
        break;
      case 'MedicationAdministration': {
        const enc = encounterIdOf(localRef(r.context));
        if (enc) push(admins, enc, r);
        else unlinked.push({ admin: r, partition });
        break;
      }
      case 'ChargeItem': {
        const enc = encounterIdOf(localRef(r.context));
        if (enc) push(charges, enc, r);
        break;
      }
      case 'Claim':
        for (const enc of claimEncounterIds(r)) push(claims, enc, r);
        break;
      case 'Condition': {
        const p = patientData(localRef(r.subject));
        if (p) p.conditions.push(r);
        else {
          const enc = encounterIdOf(localRef(r.encounter));
          if (enc) push(conditionsByEncounter, enc, r);
        }
        break;
      }
      case 'Coverage':
        patientData(localRef(r.beneficiary))?.coverages.push(r);
        break;
      case 'ClaimResponse':
        patientData(localRef(r.patient))?.priorAuthorizations.push(r);
        break;
      case 'Observation':
        patientData(localRef(r.subject))?.bodyWeights.push(r);
        break;
    }
  }

  const medicationsOf = (list: readonly MedicationAdministration[]): Medication[] => {
    const out = new Map<string, Medication>();
    for (const a of list) {
      const ref = localRef(a.medicationReference);
      const id = ref?.startsWith('Medication/') ? ref.slice('Medication/'.length) : undefined;
      const m = id !== undefined ? medications.get(id) : undefined;
      if (m && id !== undefined) out.set(id, m);
    }
    return [...out.values()];
  };

  const keyed: Keyed[] = [];
  let withoutEncounter = 0;
  for (const [id, list] of admins) {
    const found = encounters.get(id);
    if (!found) {
      withoutEncounter += list.length;
      continue;
    }
    const { encounter, partition } = found;
    keyed.push({
      partition,
      kind: 0,
      date: encounter.period?.start ?? '',
      id,
      item: () => {
        const patient = localRef(encounter.subject) ?? localRef(list[0]?.subject);
        const p = (patient ? patients.get(patient) : undefined) ?? NONE;
        const encounterClaims = claims.get(id) ?? [];
        const input = {
          encounter,
          administrations: list,
          medications: medicationsOf(list),
          conditions: [...p.conditions, ...(conditionsByEncounter.get(id) ?? [])],
          coverages: p.coverages,
          priorAuthorizations: p.priorAuthorizations,
          bodyWeights: p.bodyWeights,
          chargeItems: charges.get(id) ?? [],
          claims: encounterClaims.filter((c) => isDraftIdentifierClaim(c, id)),
        };
        const date = auditedDate(input, range, facilities);
        return date === undefined ? undefined : { input, claims: encounterClaims, auditedDate: date };
      },
    });
  }
  if (withoutEncounter) sink.withoutEncounter(withoutEncounter);
  for (const { admin: a, partition } of unlinked) {
    keyed.push({
      partition,
      kind: 1,
      date: a.effectiveDateTime ?? a.effectivePeriod?.start ?? '',
      id: a.id ?? '',
      item: () => {
        const patient = localRef(a.subject);
        const p = (patient ? patients.get(patient) : undefined) ?? NONE;
        const item = unlinkedItem(a, {
          medications: medicationsOf([a]),
          conditions: p.conditions,
          coverages: p.coverages,
          priorAuthorizations: p.priorAuthorizations,
          bodyWeights: p.bodyWeights,
          chargeItems: [],
          claims: [],
        });
        const date = auditedDate(item.input, range, facilities);
        return date === undefined ? undefined : { ...item, auditedDate: date };
      },
    });
  }
  keyed.sort(
    (a, b) => a.partition - b.partition || a.kind - b.kind || byText(a.date, b.date) || byText(a.id, b.id),
  );
  for (const k of keyed) {
    const item = k.item();
    if (item) sink.item(item);
  }
}
