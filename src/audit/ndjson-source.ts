/**
 * The audit over NDJSON files (a Bulk Data export, or a folder from an earlier one), in two
 * passes so that memory stays flat however many administrations there are:
 *
 * 1. Partition: scan every line once (scan.ts: type, id and references, no parse) and copy its
 *    bytes to one of N partitions on disk, chosen by patient: an Encounter by its subject; an
 *    administration, charge, Claim or Condition by the partition of its Encounter (known once
 *    the Encounter was read: Encounter files are read first; else by its own patient);
 *    Coverage, prior authorizations and body weights by their patient. Only Medications (a
 *    formulary, not per patient) and a compact encounter -> partition index stay in memory.
 * 2. Audit: one partition at a time, parse its lines, group them into encounters and hand each
 *    encounter with an administration dated in the range to the audit.
 *
 * A line that is not a FHIR resource is reported with its file and line number and skipped.
 */
import { basename } from 'node:path';
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
import type { SourceStats } from './accumulate.ts';
import { auditedDate } from './compare.ts';
import { fileSize, parseResourceLine, readLineBytes, typeFromFileName } from './ndjson.ts';
import { CompactIndex, Partitions, type PartitionLine } from './partition.ts';
import type { Progress } from './progress.ts';
import type { DateRange } from './range.ts';
import { scanLine, type Scanned } from './scan.ts';
import { claimEncounterIds, isDraftIdentifierClaim, unlinkedItem, type Emit } from './source.ts';
import { codesOf, localRef } from '../domain/fhir-values.ts';
import { BODY_WEIGHT_LOINC, SYSTEMS } from '../domain/vocabulary.ts';

/** Resource types the audit reads; lines of other types are counted and dropped. */
export const AUDIT_TYPES = [
  'MedicationAdministration',
  'Encounter',
  'Condition',
  'Coverage',
  'Medication',
  'ClaimResponse',
  'Observation',
  'ChargeItem',
  'Claim',
] as const;
const USED: ReadonlySet<string> = new Set(AUDIT_TYPES);

/**
 * Raw NDJSON per partition: what is parsed and held at once. Small partitions keep the parsed
 * resources young (the garbage collector frees them cheaply) and the heap small.
 */
export const DEFAULT_PARTITION_BYTES = 256 * 1024;
/** Raw NDJSON per partition file (read whole in pass 2); bounds the number of open files. */
export const DEFAULT_FILE_BYTES = 8 * 1024 * 1024;
const MAX_FILES = 512;
const MAX_PER_FILE = 256;

export interface NdjsonAuditOptions {
  readonly files: readonly string[];
  /** An empty folder for the partition files. */
  readonly workDir: string;
  readonly range: DateRange;
  readonly stats: SourceStats;
  readonly progress: Progress;
  readonly onBrokenLine: (where: string) => void;
  /** Target raw size of one partition (tests make it tiny to exercise many). */
  readonly partitionBytes?: number;
  /** Target raw size of one partition file. */
  readonly fileBytes?: number;
}

/** Encounter files first, so that every later line can find its encounter's partition. */
export function readingOrder(files: readonly string[]): string[] {
  const rank = (f: string) => (typeFromFileName(f) === 'Encounter' ? 0 : 1);
  return [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export async function auditNdjson(opts: NdjsonAuditOptions, emit: Emit): Promise<void> {
  const { stats, progress, range } = opts;
  const files = readingOrder(opts.files);
  const totalBytes = files.reduce((s, f) => s + fileSize(f) * (f.endsWith('.gz') ? 8 : 1), 0);
  const fileCount = Math.min(
    MAX_FILES,
    Math.max(1, Math.ceil(totalBytes / (opts.fileBytes ?? DEFAULT_FILE_BYTES))),
  );
  // Partition ids must fit the encounter index's 16 bits: past ~60 GB, partitions grow instead.
  const perFile = Math.min(
    MAX_PER_FILE,
    Math.floor(65_535 / fileCount),
    Math.max(1, Math.ceil(totalBytes / fileCount / (opts.partitionBytes ?? DEFAULT_PARTITION_BYTES))),
  );
  const partitions = new Partitions(opts.workDir, fileCount, perFile);
  const encounterPartition = new CompactIndex();
  const medications = new Map<string, Medication>();
  const broken = (file: number, lineNo: number, reason: string) => {
    stats.brokenLines++;
    opts.onBrokenLine(`${files[file] ?? '?'}:${lineNo}: ${reason}`);
  };

  /** The partition of a line, or undefined when the audit does not use it. */
  const route = (r: Scanned, parse: () => Resource | undefined): number | undefined => {
    const byPatient = (ref: string | undefined) =>
      ref ? partitions.partitionOf(localRef(ref) ?? ref) : undefined;
    const viaEncounter = (encounterRef: string | undefined, patient: string | undefined) => {
      const local = encounterRef ? localRef(encounterRef) : undefined;
      const id = local?.startsWith('Encounter/') ? local.slice('Encounter/'.length) : undefined;
      return (
        (id !== undefined ? encounterPartition.get(id) : undefined) ?? byPatient(patient) ?? byPatient(local)
      );
    };
    switch (r.resourceType) {
      case 'Medication': {
        const m = parse();
        if (m?.resourceType === 'Medication' && m.id) medications.set(m.id, compactMedication(m));
        return undefined;
      }
      case 'Encounter': {
        if (!r.id) return undefined;
        // Without a subject the encounter's own reference keys it; its administrations follow it.
        const own = partitions.partitionOf(
          (r.subject ? localRef(r.subject) : undefined) ?? `Encounter/${r.id}`,
        );
        encounterPartition.set(r.id, own);
        return own;
      }
      case 'MedicationAdministration':
        stats.administrationsRead++;
        return viaEncounter(r.context, r.subject) ?? 0;
      case 'ChargeItem':
        stats.chargeItemsRead++;
        return viaEncounter(r.context, r.subject);
      case 'Claim': {
        stats.claimsRead++;
        const claim = parse();
        if (claim?.resourceType !== 'Claim') return undefined;
        const enc = claimEncounterIds(claim)[0];
        return viaEncounter(enc ? `Encounter/${enc}` : undefined, r.patient);
      }
      case 'Condition':
        return viaEncounter(r.encounter, r.subject);
      case 'Coverage':
        return byPatient(r.beneficiary);
      case 'ClaimResponse':
        return r.use === 'preauthorization' ? byPatient(r.patient) : undefined;
      case 'Observation': {
        // Only body weights: most Observations are dropped on a byte search, the rest checked parsed.
        if (!r.code) return undefined;
        const o = parse();
        if (o?.resourceType !== 'Observation' || !codesOf(o.code, SYSTEMS.loinc).includes(BODY_WEIGHT_LOINC))
          return undefined;
        return byPatient(r.subject);
      }
    }
    return undefined;
  };

  // Pass 1: partition. Lines are scanned, not parsed, and copied to their partition as bytes,
  // prefixed with where they came from, so that pass 2 can name a line it cannot parse.
  progress.phase('reading', Math.max(1, Math.round(totalBytes / 1e6)), 'MB');
  let bytesDone = 0;
  for (const [fileIndex, file] of files.entries()) {
    const announced = typeFromFileName(file);
    let skipFile = false;
    await readLineBytes(
      file,
      (buf, start, end, lineNo) => {
        if (skipFile) return;
        const scanned = scanLine(buf, start, end);
        if (!scanned.ok) {
          broken(fileIndex, lineNo, scanned.reason);
          return;
        }
        const r = scanned.value;
        if (!USED.has(r.resourceType)) {
          // A file named after a type the audit does not use, and holding it: skip the rest.
          if (lineNo === 1 && announced === r.resourceType) skipFile = true;
          stats.ignoredResources++;
          return;
        }
        if (r.resourceType === 'Observation') {
          const at = r.code ? buf.indexOf(BODY_WEIGHT_BYTES, r.code[0]) : -1;
          if (at < 0 || at >= (r.code?.[1] ?? 0)) {
            stats.ignoredResources++;
            return;
          }
        }
        let unparsable = false;
        const parse = (): Resource | undefined => {
          const parsed = parseResourceLine(buf.toString('utf8', start, end));
          if (parsed.ok) return parsed.resource;
          unparsable = true;
          broken(fileIndex, lineNo, parsed.reason);
          return undefined;
        };
        const partition = route(r, parse);
        if (unparsable) return;
        stats.resourcesRead++;
        if (partition === undefined) stats.ignoredResources++;
        else partitions.write(partition, `${fileIndex}:${lineNo}`, buf, start, end, r.droppable);
      },
      (n) => {
        bytesDone += n;
        progress.update(Math.round(bytesDone / 1e6), basename(file));
      },
      () => partitions.drain(),
    );
  }
  const present = await partitions.close();

  // Pass 2: audit one partition at a time.
  progress.phase('auditing', fileCount, 'files');
  for (let f = 0; f < fileCount; f++) {
    if (present[f]) {
      const { bytes, groups } = partitions.read(f);
      for (const g of groups) auditPartition(bytes, g.lines, medications, range, stats, broken, emit);
      partitions.remove(f);
    }
    progress.update(f + 1, `${stats.administrationsRead.toLocaleString('en-US')} administrations`);
    // Let the progress bar and signals through between files.
    await new Promise((r) => setImmediate(r));
  }
}

const BODY_WEIGHT_BYTES = Buffer.from(BODY_WEIGHT_LOINC, 'latin1');

/** Only what the engine reads of a Medication (code, strengths, amount, container-use). */
function compactMedication(m: Medication): Medication {
  return {
    resourceType: 'Medication',
    id: m.id,
    ...(m.code ? { code: m.code } : {}),
    ...(m.ingredient ? { ingredient: m.ingredient } : {}),
    ...(m.amount ? { amount: m.amount } : {}),
    ...(m.extension ? { extension: m.extension } : {}),
  };
}

interface PatientData {
  conditions: Condition[];
  coverages: Coverage[];
  priorAuthorizations: ClaimResponse[];
  bodyWeights: Observation[];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Plain string order (localeCompare is locale-aware, and far slower in a hot sort). */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const encounterIdOf = (ref: string | undefined) =>
  ref?.startsWith('Encounter/') ? ref.slice('Encounter/'.length) : undefined;

function auditPartition(
  bytes: Buffer,
  lines: readonly PartitionLine[],
  medications: ReadonlyMap<string, Medication>,
  range: DateRange,
  stats: SourceStats,
  broken: (file: number, lineNo: number, reason: string) => void,
  emit: Emit,
): void {
  // The last version of each resource wins (an export should not repeat ids; be safe anyway).
  const byId = new Map<string, Resource>();
  for (const [n, line] of lines.entries()) {
    const parsed = parseResourceLine(bytes.toString('utf8', line.start, line.end));
    if (!parsed.ok) {
      // The scan of pass 1 accepted it, JSON.parse does not: name it where it came from.
      stats.resourcesRead--;
      const [file = '', lineNo = ''] = Partitions.origin(bytes, line).split(':');
      broken(Number(file), Number(lineNo), parsed.reason);
      continue;
    }
    const r = parsed.resource;
    byId.set(`${r.resourceType}/${r.id ?? `#${n}`}`, r);
  }

  const encounters = new Map<string, Encounter>();
  const admins = new Map<string, MedicationAdministration[]>();
  const unlinked: MedicationAdministration[] = [];
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

  for (const r of byId.values()) {
    switch (r.resourceType) {
      case 'Encounter':
        if (r.id) encounters.set(r.id, r);
        break;
      case 'MedicationAdministration': {
        const enc = encounterIdOf(localRef(r.context));
        if (enc) push(admins, enc, r);
        else unlinked.push(r);
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
  byId.clear();

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
  const none: PatientData = { conditions: [], coverages: [], priorAuthorizations: [], bodyWeights: [] };

  // Encounters in date order within the partition, so that a report reads naturally.
  const groups = [...admins.entries()]
    .map(([id, list]) => ({ id, list, encounter: encounters.get(id) }))
    .sort(
      (a, b) =>
        byCodeUnits(a.encounter?.period?.start ?? '', b.encounter?.period?.start ?? '') ||
        byCodeUnits(a.id, b.id),
    );
  for (const { id, list, encounter } of groups) {
    if (!encounter) {
      stats.administrationsWithoutEncounterResource += list.length;
      continue;
    }
    const patient = localRef(encounter.subject) ?? localRef(list[0]?.subject);
    const p = (patient ? patients.get(patient) : undefined) ?? none;
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
    if (auditedDate(input, range) === undefined) continue;
    emit({ input, claims: encounterClaims });
  }
  for (const a of unlinked) {
    const patient = localRef(a.subject);
    const p = (patient ? patients.get(patient) : undefined) ?? none;
    const item = unlinkedItem(a, {
      medications: medicationsOf([a]),
      conditions: p.conditions,
      coverages: p.coverages,
      priorAuthorizations: p.priorAuthorizations,
      bodyWeights: p.bodyWeights,
      chargeItems: [],
      claims: [],
    });
    if (auditedDate(item.input, range) === undefined) continue;
    emit(item);
  }
}
