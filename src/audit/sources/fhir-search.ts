/**
 * The audit against a FHIR server by search: page through the MedicationAdministrations whose
 * `effective-time` falls in the range, collect their Encounters, and read the Encounters'
 * contexts in batches (the service's own context queries, several encounters per batch Bundle).
 * Only one page of administrations and the batches in flight are in memory, plus the ids of the
 * encounters already seen.
 *
 * With `write`, each audited encounter also goes through the service's use case
 * (`evaluateAndWrite`): the same read, engine and transaction that a notification would trigger.
 *
 * A shard (`--partition k/n`) takes the encounters whose id hashes into its block (the page of
 * administrations names the Encounter, not yet its patient), and administrations without one by
 * their own id: every shard pages through the same administrations, each reads the contexts of
 * its own encounters only.
 */
import type {
  Bundle,
  Claim,
  Encounter,
  Medication,
  MedicationAdministration,
  Observation,
  Resource,
} from '@medplum/fhirtypes';
import { evaluateAndWrite, type EvaluateDeps } from '../../evaluate/evaluate-encounter.ts';
import type { FhirGateway } from '../../fhir/gateway.ts';
import { batchResults, contextQueries, encounterInputOf, splitContext } from '../../fhir/read-context.ts';
import type { EngineReference } from '../../rules/index.ts';
import type { FacilityResolver } from '../../domain/facility.ts';
import { localRef } from '../../domain/fhir-values.ts';
import { auditedDate } from '../compare.ts';
import { isDraftIdentifierClaim, unlinkedItem, type AuditItem, type Emit } from '../item.ts';
import type { Progress } from '../progress.ts';
import { addDays, type DateRange } from '../range.ts';
import { logicalPartition, shardOf, type Shard } from '../shard.ts';
import type { InputStats } from '../stats.ts';

export interface FhirAuditOptions {
  readonly gateway: FhirGateway;
  readonly range: DateRange;
  readonly stats: InputStats;
  readonly progress: Progress;
  readonly shard: Shard;
  /** The billing facilities, for the dates of service the engine uses (their time zone). */
  readonly facilities?: FacilityResolver;
  /** Encounters per batch read. */
  readonly batchSize?: number;
  /** Batches in flight at once. */
  readonly concurrency?: number;
  readonly pageSize?: number;
  /** Write Claims and DetectedIssues through the service's use case. */
  readonly write?: {
    readonly reference: EngineReference;
    readonly deps: Omit<EvaluateDeps, 'gateway' | 'reference'>;
  };
}

interface Pending {
  readonly id: string;
  readonly patient: string | undefined;
}

export async function auditFhirSearch(opts: FhirAuditOptions, emit: Emit): Promise<void> {
  const { gateway, range, stats, progress, shard } = opts;
  const mine = (ref: string) => shardOf(logicalPartition(ref), shard.count) === shard.index;
  const batchSize = opts.batchSize ?? 20;
  const concurrency = opts.concurrency ?? 4;
  const seen = new Set<string>();
  let queue: Pending[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: Error | undefined;

  const launch = (batch: Pending[]) => {
    const p: Promise<void> = auditBatch(opts, batch, emit)
      .catch((err: unknown) => {
        failure ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  const drain = async (limit: number) => {
    while (inFlight.size > limit) await Promise.race(inFlight);
    if (failure) throw failure;
  };

  // One day of margin on each side: servers compare instants, the range is dates as written.
  const query =
    `MedicationAdministration?effective-time=ge${addDays(range.since, -1)}` +
    `&effective-time=le${addDays(range.until, 1)}&_count=${opts.pageSize ?? 500}`;
  let total: number | undefined;
  for await (const page of gateway.searchPages(query)) {
    if (total === undefined) {
      total = typeof page.total === 'number' ? page.total : 0;
      progress.phase('auditing', total, 'administrations');
    }
    for (const entry of page.entry ?? []) {
      const a = entry.resource;
      if (a?.resourceType !== 'MedicationAdministration' || entry.search?.mode === 'include') continue;
      const enc = localRef(a.context);
      if (!enc?.startsWith('Encounter/')) {
        if (!mine(`MedicationAdministration/${a.id ?? ''}`)) continue;
        stats.administrations++;
        await emitUnlinked(gateway, a, range, emit, opts.facilities);
        continue;
      }
      if (!mine(enc)) continue;
      stats.administrations++;
      const id = enc.slice('Encounter/'.length);
      if (seen.has(id)) continue;
      seen.add(id);
      queue.push({ id, patient: localRef(a.subject) });
      if (queue.length >= batchSize) {
        launch(queue);
        queue = [];
        await drain(concurrency - 1);
      }
    }
    progress.update(stats.administrations, `${seen.size.toLocaleString('en-US')} encounters`);
  }
  if (queue.length) launch(queue);
  await drain(0);
}

async function emitUnlinked(
  gateway: FhirGateway,
  a: MedicationAdministration,
  range: DateRange,
  emit: Emit,
  facilities: FacilityResolver | undefined,
): Promise<void> {
  const ref = localRef(a.medicationReference);
  let medications: Medication[] = [];
  if (ref?.startsWith('Medication/')) {
    medications = [
      await gateway.read<Medication>('Medication', ref.slice('Medication/'.length)).catch(() => undefined),
    ].filter((m): m is Medication => m !== undefined);
  }
  const item = unlinkedItem(a, {
    medications,
    conditions: [],
    coverages: [],
    priorAuthorizations: [],
    bodyWeights: [],
    chargeItems: [],
    claims: [],
  });
  if (auditedDate(item.input, range, facilities) !== undefined) emit(item);
}

/** The service's context queries for each encounter (without its DetectedIssue read), plus Claims by `item.encounter`. */
function queriesFor(p: Pending): string[] {
  return [
    ...contextQueries(p.id, p.patient).filter((q) => !q.startsWith('DetectedIssue?')),
    `Claim?encounter=${encodeURIComponent(`Encounter/${p.id}`)}&_count=1000`,
  ];
}

async function auditBatch(opts: FhirAuditOptions, batch: readonly Pending[], emit: Emit): Promise<void> {
  const { gateway, range } = opts;
  const perEncounter = batch.map(queriesFor);
  const request: Bundle = {
    resourceType: 'Bundle',
    type: 'batch',
    entry: perEncounter.flat().map((url) => ({ request: { method: 'GET', url } })),
  };
  const { results } = await batchResults(gateway, await gateway.batch(request));

  let at = 0;
  for (const [n, p] of batch.entries()) {
    const count = (perEncounter[n] as string[]).length;
    const own = results.slice(at, at + count - 1);
    const encounterClaims = results[at + count - 1] ?? [];
    at += count;
    const parts = splitContext([...own.slice(0, 5), [], ...own.slice(5)]);
    const main = [...parts.encounter, ...parts.administrations, ...parts.conditions, ...parts.chargeItems];
    const [ownClaims, weights] = [parts.claims, parts.weights];
    const item = assemble(p.id, main, ownClaims, weights, encounterClaims);
    if (!item) {
      opts.stats.administrationsWithoutEncounter++;
      continue;
    }
    if (auditedDate(item.input, range, opts.facilities) === undefined) continue;
    opts.stats.chargeItems += item.input.chargeItems.length;
    opts.stats.claims += item.claims.length;
    if (opts.write) {
      const result = await evaluateAndWrite(
        { ...opts.write.deps, gateway, reference: opts.write.reference, knownPatient: () => p.patient },
        p.id,
      );
      emit({ ...item, evaluation: result.evaluation });
    } else emit(item);
  }
}

function assemble(
  encounterId: string,
  main: Resource[],
  ownClaims: Resource[],
  weights: Resource[],
  encounterClaims: Resource[],
): AuditItem | undefined {
  const of = <T extends Resource>(list: Resource[], type: T['resourceType']): T[] => {
    const byId = new Map<string, T>();
    for (const r of list) if (r.resourceType === type) byId.set(r.id ?? '', r as T);
    return [...byId.values()];
  };
  const encounter = of<Encounter>(main, 'Encounter').find((e) => e.id === encounterId);
  if (!encounter) return undefined;
  const claims = of<Claim>([...ownClaims, ...encounterClaims], 'Claim');
  const resources = [...new Map(main.map((r) => [`${r.resourceType}/${r.id ?? ''}`, r])).values()];
  const input = encounterInputOf(encounter, resources, {
    bodyWeights: of<Observation>(weights, 'Observation'),
    claims: claims.filter((c) => isDraftIdentifierClaim(c, encounterId)),
  });
  return { input, claims };
}
