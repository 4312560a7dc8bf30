/**
 * The tasks of the NDJSON audit, as a worker thread runs them (worker.ts) or, with one worker, the
 * main thread itself (pool.ts `InlinePool`): the engine's reference data, loaded once, then
 * `route` (the partition pass over one byte range of an input file, into this worker's own
 * partition files), `index` and `medications` (what the later tasks need), and `audit` (one
 * partition file: parse, evaluate, compare, add up and encode the report rows). One task at a
 * time, in the order given (pool.ts: `serveTasks` on a thread, `InlinePool` on the main thread).
 */
import { readFileSync } from 'node:fs';
import type { Medication } from '@medplum/fhirtypes';
import { loadCatalog } from '../catalog/load.ts';
import { loadFacilities } from '../catalog/facilities.ts';
import { loadPayerRules } from '../catalog/payer-rules.ts';
import type { EngineReference } from '../rules/index.ts';
import { addEncounter, emptyTotals, type TotalsState } from './accumulate.ts';
import { auditItem } from './compare.ts';
import type { DateRange } from './range.ts';
import { RowEncoder, type EncodedRows } from './report/files.ts';
import { groupRecords, type RecordProblem } from './sources/group.ts';
import { HashIndex, type SharedIndex } from './sources/hash-index.ts';
import { readPartitionFile, SegmentWriter, type Layout } from './sources/partition-store.ts';
import { routeRange, type RangeResult, type RangeTask } from './sources/route.ts';

export interface WorkerInit {
  readonly catalogDir: string | undefined;
  readonly priceFiles: readonly string[];
  readonly payerRulesFile: string | undefined;
  readonly facilitiesFile: string | undefined;
  readonly facilityTimeZone: string | undefined;
  readonly now: string;
  readonly range: DateRange;
  readonly layout: Layout;
  readonly dir: string;
  readonly segment: number;
  readonly targets: { readonly csv: boolean; readonly json: boolean };
  readonly illustrative: boolean;
  readonly maxLineBytes?: number;
  readonly groupBytes?: number;
}

export interface RouteReply extends RangeResult {
  readonly segment: number;
  /** This worker's partition file lengths once the range is written (the checkpoint). */
  readonly segmentLengths: number[];
}

export interface AuditReply {
  readonly rows: EncodedRows;
  readonly totals: TotalsState;
  /** Descriptor of every code in the totals (the main thread adds them up from every worker). */
  readonly descriptors: Record<string, string>;
  readonly broken: RecordProblem[];
  readonly withoutEncounter: number;
}

export type TaskMessage =
  | { readonly id: number; readonly kind: 'ready' }
  | { readonly id: number; readonly kind: 'route'; readonly task: RangeTask }
  | {
      readonly id: number;
      readonly kind: 'index';
      readonly encounters: SharedIndex;
      readonly patients: SharedIndex;
    }
  | { readonly id: number; readonly kind: 'medications'; readonly file: string }
  | {
      readonly id: number;
      readonly kind: 'audit';
      readonly file: number;
      readonly segments: readonly number[];
    }
  | { readonly id: number; readonly kind: 'close' };

export interface TaskAnswer {
  readonly result: unknown;
  /** Buffers a worker thread hands over rather than copies. */
  readonly transfer?: ArrayBuffer[];
}

/** One worker's state and its tasks. */
export class AuditTasks {
  private readonly init: WorkerInit;
  private loaded: EngineReference | undefined;
  private writer: SegmentWriter | undefined;
  private encounters: HashIndex | undefined;
  private patients: HashIndex | undefined;
  private medications = new Map<string, Medication>();
  private readonly reuse = { buffer: Buffer.alloc(0) };
  private routeFailure: Error | undefined;

  constructor(init: WorkerInit) {
    this.init = init;
  }

  private reference(): EngineReference {
    const init = this.init;
    return (this.loaded ??= {
      catalog: loadCatalog(init.catalogDir, [...init.priceFiles]),
      payerRules: loadPayerRules(init.payerRulesFile),
      facilities: loadFacilities(init.facilitiesFile, init.facilityTimeZone),
    });
  }

  async handle(m: TaskMessage): Promise<TaskAnswer> {
    const init = this.init;
    switch (m.kind) {
      case 'ready':
        // Loads the catalog now: a wrong one stops the run before any work.
        this.reference();
        return { result: true };
      case 'route': {
        // A route task that failed part-way left some of its lines in this worker's partition
        // buffers: no later task here may report lengths that include them (the checkpoint would
        // keep lines that are routed again on resume). The run fails anyway.
        if (this.routeFailure) throw this.routeFailure;
        this.writer ??= new SegmentWriter(init.dir, init.segment, init.layout);
        let result: RangeResult;
        try {
          result = await routeRange(m.task, {
            lo: init.layout.lo,
            hi: init.layout.hi,
            writer: this.writer,
            ...(this.encounters ? { encounters: this.encounters } : {}),
            ...(this.patients ? { patients: this.patients } : {}),
            ...(init.maxLineBytes ? { maxLineBytes: init.maxLineBytes } : {}),
          });
        } catch (err) {
          this.routeFailure = err instanceof Error ? err : new Error(String(err));
          throw err;
        }
        const reply: RouteReply = { ...result, segment: init.segment, segmentLengths: this.writer.flush() };
        return {
          result: reply,
          transfer: [
            result.encounterEntries.buffer as ArrayBuffer,
            result.patientEntries.buffer as ArrayBuffer,
          ],
        };
      }
      case 'index':
        this.encounters = HashIndex.fromShared(m.encounters);
        this.patients = HashIndex.fromShared(m.patients);
        return { result: true };
      case 'medications': {
        this.medications = new Map();
        for (const line of readFileSync(m.file, 'utf8').split('\n')) {
          if (!line) continue;
          const med = JSON.parse(line) as Medication;
          if (med.id) this.medications.set(med.id, med);
        }
        return { result: this.medications.size };
      }
      case 'audit': {
        const reference = this.reference();
        const totals = emptyTotals();
        const encoder = new RowEncoder(init.targets, init.illustrative);
        const broken: RecordProblem[] = [];
        let withoutEncounter = 0;
        const records = readPartitionFile(init.dir, m.segments, m.file, this.reuse);
        groupRecords(
          records,
          this.medications,
          init.range,
          {
            item: (item) => {
              const audit = auditItem(item, reference, init.now, init.range);
              addEncounter(totals, audit);
              encoder.add(audit);
            },
            broken: (p) => broken.push(p),
            withoutEncounter: (n) => (withoutEncounter += n),
          },
          init.groupBytes,
          reference.facilities,
        );
        const rows = encoder.take();
        const descriptors: Record<string, string> = {};
        for (const code of Object.keys(totals.byCode))
          descriptors[code] =
            reference.catalog.codes.get(code)?.descriptor ??
            reference.catalog.allCodes.get(code)?.descriptor ??
            '';
        const reply: AuditReply = { rows, totals, descriptors, broken, withoutEncounter };
        return {
          result: reply,
          transfer: [rows.csv.buffer, rows.lines.buffer, rows.json.buffer].filter(
            (b, i, all): b is ArrayBuffer => b instanceof ArrayBuffer && all.indexOf(b) === i,
          ),
        };
      }
      case 'close':
        this.writer?.close();
        this.writer = undefined;
        return { result: true };
    }
  }
}
