/**
 * The service's behaviour, independent of HTTP: evaluate Encounters (serialised per Encounter),
 * turn notifications into evaluations, run the catch-up sweep, and dry-run a posted Bundle.
 */
import type { Bundle, Claim, DetectedIssue, Resource } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import type { Evaluation } from './domain/types.ts';
import {
  EncounterSerializer,
  evaluateAndWrite,
  type EvaluationResult,
} from './evaluate/evaluate-encounter.ts';
import {
  deletedTargets,
  isWatchedType,
  previousTargets,
  sweepTargets,
  targetsOf,
  type Target,
} from './evaluate/triggers.ts';
import type { FhirGateway } from './fhir/gateway.ts';
import { planWrites } from './fhir/plan.ts';
import { EncounterNotFoundError, inputFromBundle } from './fhir/read-context.ts';
import type { WriteContext } from './fhir/resources.ts';
import type { Notification } from './http/notification.ts';
import type { Metrics } from './metrics.ts';
import { evaluateEncounter, type EngineReference } from './rules/index.ts';

export interface ServiceDeps {
  readonly gateway: FhirGateway;
  readonly reference: EngineReference;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly sweepLookbackHours: number;
  readonly billingProvider?: string;
  readonly clock?: () => Date;
}

export interface DryRun {
  readonly evaluation: Evaluation;
  readonly claim?: Claim;
  readonly detectedIssues: DetectedIssue[];
}

export interface HandleResult {
  readonly evaluated: number;
  readonly ignored: number;
}

/** Encounters evaluated at once by one sweep or notification: keeps a large sweep from flooding the server. */
const EVALUATION_CONCURRENCY = 4;
const MAX_REMEMBERED_ADMINISTRATIONS = 200_000;

/** Promise.allSettled over `items`, with at most `limit` running at once. */
async function settleWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await run(items[i] as T) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export class Service {
  readonly serializer = new EncounterSerializer();
  /** `Device/<id>` of the service on the FHIR server, set when registered at start. */
  device: string | undefined;
  /** Where each administration was last seen, to notice one moved to another Encounter without a read. */
  private readonly encounterOfAdministration = new Map<string, string>();
  private sweeping: Promise<number> | undefined;
  private sweepAgain = false;
  private readonly deps: ServiceDeps;
  private readonly clock: () => Date;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
    this.clock = deps.clock ?? (() => new Date());
  }

  private writeContext(): Omit<WriteContext, 'now'> {
    return {
      ...(this.device ? { device: this.device } : {}),
      ...(this.deps.billingProvider ? { billingProvider: this.deps.billingProvider } : {}),
    };
  }

  evaluate(encounterId: string, patient?: string): Promise<EvaluationResult> {
    const { metrics } = this.deps;
    return this.serializer.run(encounterId, async () => {
      const end = metrics.evaluationSeconds.startTimer();
      try {
        const result = await evaluateAndWrite(
          {
            gateway: this.deps.gateway,
            reference: this.deps.reference,
            writeContext: () => this.writeContext(),
            clock: this.clock,
            logger: this.deps.logger,
          },
          encounterId,
          patient,
        );
        metrics.evaluations.inc({ result: result.plan.entries.length ? 'written' : 'unchanged' });
        this.remember(encounterId, result.administrations);
        const c = result.plan.counts;
        if (c.claim !== 'none') metrics.writes.inc({ kind: `claim-${c.claim}` });
        for (const [kind, n] of [
          ['issue-opened', c.opened],
          ['issue-updated', c.updated],
          ['issue-closed', c.closed],
          ['issue-entered-in-error', c.enteredInError],
        ] as const) {
          if (n) metrics.writes.inc({ kind }, n);
        }
        if (result.evaluation.skippedAdministrations)
          metrics.skippedAdministrations.inc(result.evaluation.skippedAdministrations);
        return result;
      } catch (err) {
        metrics.evaluations.inc({ result: 'failed' });
        throw err;
      } finally {
        end();
      }
    });
  }

  private remember(encounterId: string, administrations: readonly string[]): void {
    for (const ref of administrations) {
      this.encounterOfAdministration.delete(ref);
      this.encounterOfAdministration.set(ref, encounterId);
    }
    // Bounded: the oldest entries go first (Map keeps insertion order).
    for (const ref of this.encounterOfAdministration.keys()) {
      if (this.encounterOfAdministration.size <= MAX_REMEMBERED_ADMINISTRATIONS) break;
      this.encounterOfAdministration.delete(ref);
    }
  }

  private since(): Date {
    return new Date(this.clock().getTime() - this.deps.sweepLookbackHours * 3_600_000);
  }

  /**
   * Evaluates each target once. An Encounter that does not exist (a dangling reference) is
   * skipped and counted, so one bad reference never blocks the others or the sweep; any other
   * failure (the FHIR server unavailable) fails the call so the sender retries.
   */
  async evaluateTargets(targets: readonly Target[]): Promise<number> {
    const unique = new Map(targets.map((t) => [t.encounterId, t]));
    const results = await settleWithLimit([...unique.values()], EVALUATION_CONCURRENCY, (t) =>
      this.evaluate(t.encounterId, t.patient),
    );
    let evaluated = 0;
    for (const r of results) {
      if (r.status === 'fulfilled') evaluated++;
      else if (r.reason instanceof EncounterNotFoundError) {
        this.deps.metrics.errors.inc({ kind: 'encounter-not-found' });
        this.deps.logger.warn(
          { event: 'encounter-not-found', errorCode: r.reason.code },
          'a resource refers to an Encounter that does not exist',
        );
      }
    }
    const failed = results.find(
      (r): r is PromiseRejectedResult =>
        r.status === 'rejected' && !(r.reason instanceof EncounterNotFoundError),
    );
    if (failed) throw failed.reason;
    return evaluated;
  }

  /** What a notification asks for; resolves once every affected Encounter is written. */
  async handle(n: Notification): Promise<HandleResult> {
    const { gateway } = this.deps;
    switch (n.kind) {
      case 'empty':
        return { evaluated: await this.sweep(), ignored: 0 };
      case 'status':
        return { evaluated: 0, ignored: 1 };
      case 'deleted': {
        if (!n.reference) return { evaluated: 0, ignored: 1 };
        const targets = await deletedTargets(gateway, n.reference, this.since());
        return { evaluated: await this.evaluateTargets(targets), ignored: targets.length ? 0 : 1 };
      }
      case 'references': {
        const resources: Resource[] = [];
        let ignored = 0;
        for (const ref of n.references) {
          const [type, id] = ref.split('/') as [string, string];
          if (!isWatchedType(type)) {
            ignored++;
            continue;
          }
          resources.push(await gateway.read(type, id));
        }
        const r = await this.handleResources(resources);
        return { evaluated: r.evaluated, ignored: r.ignored + ignored };
      }
      case 'resources':
        return this.handleResources(n.resources);
    }
  }

  private async handleResources(resources: readonly Resource[]): Promise<HandleResult> {
    const targets: Target[] = [];
    let ignored = 0;
    for (const r of resources) {
      if (!isWatchedType(r.resourceType)) {
        ignored++;
        continue;
      }
      targets.push(...(await targetsOf(r, this.deps.gateway, this.since())));
      const known = this.encounterOfAdministration.get(`${r.resourceType}/${r.id ?? ''}`);
      targets.push(...(await previousTargets(r, this.deps.gateway, known)));
    }
    return { evaluated: await this.evaluateTargets(targets), ignored };
  }

  /** The catch-up sweep; concurrent calls share one run, and a call during a run queues one more. */
  sweep(): Promise<number> {
    if (this.sweeping) {
      this.sweepAgain = true;
      return this.sweeping;
    }
    const run = async (): Promise<number> => {
      let total = 0;
      do {
        this.sweepAgain = false;
        const targets = await sweepTargets(this.deps.gateway, this.since());
        total += await this.evaluateTargets(targets);
      } while (this.sweepAgain);
      this.deps.logger.info({ event: 'sweep-done', count: total }, 'catch-up sweep finished');
      return total;
    };
    this.sweeping = run().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  /** Evaluates a posted Bundle and returns what would be written; writes nothing. */
  dryRun(bundle: Bundle): DryRun | undefined {
    const input = inputFromBundle(bundle);
    if (!input) return undefined;
    const now = this.clock().toISOString();
    const evaluation = evaluateEncounter(input, this.deps.reference, now);
    const plan = planWrites(
      evaluation,
      input.encounter,
      { claims: input.claims, issues: [] },
      { ...this.writeContext(), now },
    );
    return { evaluation, ...(plan.claim ? { claim: plan.claim } : {}), detectedIssues: plan.issues };
  }

  async ready(): Promise<boolean> {
    try {
      await this.deps.gateway.metadata();
      return true;
    } catch {
      return false;
    }
  }

  idle(): Promise<void> {
    return this.serializer.idle();
  }
}
