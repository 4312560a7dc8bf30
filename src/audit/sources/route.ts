/**
 * The partition pass, for one byte range of one input file (run in a worker): every line is
 * scanned as bytes (scan.ts: type, id and the references that place it, no parse, no string),
 * then copied to the logical partition of its patient (shard.ts):
 *
 * - an Encounter by its `subject` (its own reference when it has none); the `encounters` phase
 *   reads Encounters before anything else and indexes every one (id -> partition), so that
 * - an administration, charge, Claim or Condition follows its Encounter's partition (else its
 *   own patient's), and
 * - Coverage, prior authorizations and body weights go with their patient, and only for patients
 *   with an Encounter in this shard (a system-level export holds every patient's Coverage).
 *
 * Lines outside this shard's partitions are dropped here. Medications (a formulary) are sent to
 * the main thread, which hands them to every worker of the audit pass.
 */
import { isUtf8 } from 'node:buffer';
import type { Claim, Medication, Resource } from '@medplum/fhirtypes';
import { codesOf, localRef } from '../../domain/fhir-values.ts';
import { BODY_WEIGHT_LOINC, SYSTEMS } from '../../domain/vocabulary.ts';
import { claimEncounterIds } from '../item.ts';
import { logicalPartition } from '../shard.ts';
import { hashPair, type HashIndex } from './hash-index.ts';
import { jsonErrorReason, readLineRange } from './lines.ts';
import type { SegmentWriter } from './partition-store.ts';
import { scanLine, type Scanned } from './scan.ts';

/** Resource types the audit reads; lines of other types are dropped. */
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
export const USED: ReadonlySet<string> = new Set(AUDIT_TYPES);

export interface RangeTask {
  /** Index of the input file in the run's reading order. */
  readonly input: number;
  /** Index of the byte range in the file. */
  readonly range: number;
  readonly file: string;
  readonly start: number;
  readonly end: number;
  /** `encounters`: only Encounter lines; `rest`: everything else. */
  readonly phase: 'encounters' | 'rest';
  /**
   * Report unreadable lines: a mixed file is read in both phases, and reports them in the
   * second only.
   */
  readonly reportBroken: boolean;
}

export interface BrokenLine {
  /** Line number within the range (1-based). */
  readonly line: number;
  readonly reason: string;
}

export interface RangeResult {
  readonly lines: number;
  readonly broken: BrokenLine[];
  readonly administrations: number;
  readonly chargeItems: number;
  readonly claims: number;
  /** Compact Medications, one JSON text each. */
  readonly medications: string[];
  /** `[h1, h2, partition]` per Encounter (every one: the index places other shards' lines too). */
  readonly encounterEntries: Uint32Array;
  /** `[h1, h2, 1]` per patient with an Encounter in this shard. */
  readonly patientEntries: Uint32Array;
}

export interface RouteContext {
  readonly lo: number;
  readonly hi: number;
  readonly writer: SegmentWriter;
  /** Encounter id -> partition (the `rest` phase). */
  readonly encounters?: HashIndex;
  /** Patients with an Encounter in this shard (the `rest` phase). */
  readonly patients?: HashIndex;
  readonly maxLineBytes?: number;
}

const BODY_WEIGHT_BYTES = Buffer.from(BODY_WEIGHT_LOINC, 'latin1');

/** The key of a patient reference (the same for every resource that names the patient). */
export function patientKey(ref: string | undefined): string | undefined {
  return ref ? (localRef(ref) ?? ref) : undefined;
}

function encounterId(ref: string | undefined): string | undefined {
  const local = ref ? localRef(ref) : undefined;
  return local?.startsWith('Encounter/') ? local.slice('Encounter/'.length) : undefined;
}

/** Only what the engine reads of a Medication (code, strengths, amount, container-use). */
function compactMedication(m: Medication): Medication {
  return {
    resourceType: 'Medication',
    ...(m.id !== undefined ? { id: m.id } : {}),
    ...(m.code ? { code: m.code } : {}),
    ...(m.ingredient ? { ingredient: m.ingredient } : {}),
    ...(m.amount ? { amount: m.amount } : {}),
    ...(m.extension ? { extension: m.extension } : {}),
  };
}

class Growable {
  private data = new Uint32Array(3 * 1024);
  private n = 0;
  push(a: number, b: number, c: number): void {
    if (this.n + 3 > this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = a;
    this.data[this.n++] = b;
    this.data[this.n++] = c;
  }
  take(): Uint32Array {
    return this.data.slice(0, this.n);
  }
}

export async function routeRange(task: RangeTask, ctx: RouteContext): Promise<RangeResult> {
  const { lo, hi, writer } = ctx;
  const inShard = (p: number) => p >= lo && p < hi;
  const found: BrokenLine[] = [];
  const broken = { push: (b: BrokenLine) => void (task.reportBroken && found.push(b)) };
  const medications: string[] = [];
  const encounterEntries = new Growable();
  const patientEntries = new Growable();
  let administrations = 0;
  let chargeItems = 0;
  let claims = 0;

  const byPatient = (ref: string | undefined) => {
    const key = patientKey(ref);
    return key === undefined ? undefined : logicalPartition(key);
  };
  /** A patient-level resource: kept only for a patient with an Encounter in this shard. */
  const forPatient = (ref: string | undefined) => {
    const key = patientKey(ref);
    return key !== undefined && ctx.patients?.has(key) ? logicalPartition(key) : undefined;
  };
  const viaEncounter = (ref: string | undefined): number | undefined => {
    const id = encounterId(ref);
    return id !== undefined ? ctx.encounters?.get(id) : undefined;
  };

  const routeScanned = (r: Scanned, parse: () => Resource | undefined): number | undefined => {
    switch (r.resourceType) {
      case 'MedicationAdministration': {
        const p =
          viaEncounter(r.context) ??
          byPatient(r.subject) ??
          logicalPartition(`MedicationAdministration/${r.id ?? ''}`);
        if (inShard(p)) administrations++;
        return p;
      }
      case 'ChargeItem': {
        const p = viaEncounter(r.context) ?? byPatient(r.subject);
        if (p !== undefined && inShard(p)) chargeItems++;
        return p;
      }
      case 'Claim': {
        const claim = parse() as Claim | undefined;
        if (claim?.resourceType !== 'Claim') return undefined;
        const first = claimEncounterIds(claim)[0];
        const p = viaEncounter(first ? `Encounter/${first}` : undefined) ?? byPatient(r.patient);
        if (p !== undefined && inShard(p)) claims++;
        return p;
      }
      case 'Condition':
        return viaEncounter(r.encounter) ?? forPatient(r.subject);
      case 'Coverage':
        return forPatient(r.beneficiary);
      case 'ClaimResponse':
        return r.use === 'preauthorization' ? forPatient(r.patient) : undefined;
      case 'Observation': {
        // Only body weights: most Observations are dropped on a byte search, the rest checked parsed.
        const o = parse();
        if (o?.resourceType !== 'Observation' || !codesOf(o.code, SYSTEMS.loinc).includes(BODY_WEIGHT_LOINC))
          return undefined;
        return forPatient(r.subject);
      }
      case 'Medication': {
        const m = parse();
        if (m?.resourceType === 'Medication' && m.id) medications.push(JSON.stringify(compactMedication(m)));
        return undefined;
      }
    }
    return undefined;
  };

  const { lines } = await readLineRange(
    task.file,
    { start: task.start, end: task.end, ...(ctx.maxLineBytes ? { maxLineBytes: ctx.maxLineBytes } : {}) },
    {
      tooLong: (line) =>
        broken.push({
          line,
          reason: `line longer than ${ctx.maxLineBytes ?? 16 * 1024 * 1024} bytes (skipped unread)`,
        }),
      line: (buf, start, end, line) => {
        const scanned = scanLine(buf, start, end, true);
        if (!scanned.ok) {
          broken.push({ line, reason: scanned.reason });
          return;
        }
        const r = scanned.value;
        if (task.phase === 'encounters') {
          if (r.resourceType !== 'Encounter') return;
          if (!r.id) return;
          // Without a subject the encounter's own reference keys it; its administrations follow it.
          const key = patientKey(r.subject) ?? `Encounter/${r.id}`;
          const p = logicalPartition(key);
          const [e1, e2] = hashPair(r.id);
          encounterEntries.push(e1, e2, p);
          if (!inShard(p)) return;
          const [p1, p2] = hashPair(key);
          patientEntries.push(p1, p2, 1);
          writer.write(p, task.input, task.range, line, buf, start, end, r.droppable);
          return;
        }
        if (r.resourceType === 'Encounter' || !USED.has(r.resourceType)) return;
        if (r.resourceType === 'Observation') {
          const at = r.code ? buf.indexOf(BODY_WEIGHT_BYTES, r.code[0]) : -1;
          if (at < 0 || at >= (r.code?.[1] ?? 0)) return;
        }
        let unreadable = false;
        const parse = (): Resource | undefined => {
          const bytes = buf.subarray(start, end);
          if (!isUtf8(bytes)) {
            unreadable = true;
            broken.push({ line, reason: 'not valid UTF-8' });
            return undefined;
          }
          try {
            return JSON.parse(bytes.toString('utf8')) as Resource;
          } catch (err) {
            unreadable = true;
            broken.push({ line, reason: jsonErrorReason(err) });
            return undefined;
          }
        };
        const p = routeScanned(r, parse);
        if (unreadable || p === undefined || !inShard(p)) return;
        writer.write(p, task.input, task.range, line, buf, start, end, r.droppable);
      },
    },
  );
  return {
    lines,
    broken: found,
    administrations,
    chargeItems,
    claims,
    medications,
    encounterEntries: encounterEntries.take(),
    patientEntries: patientEntries.take(),
  };
}
