/**
 * The application layer: evaluate Encounters (one at a time per Encounter), turn notifications
 * into evaluations, run the rate-limited catch-up sweep, and dry-run a posted Bundle. It knows
 * nothing of HTTP: `handleNotification(raw, headers)` returns an outcome the HTTP layer turns into
 * a status.
 */
import type { Bundle, Claim, DetectedIssue } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { isVialwiseError } from '../domain/errors.ts';
import { FHIR_ID } from '../domain/vocabulary.ts';
import type { Evaluation } from '../domain/types.ts';
import type { Chargemaster } from '../catalog/chargemaster.ts';
import type { WriteContext } from '../fhir/codec/index.ts';
import type { FhirGateway } from '../fhir/gateway.ts';
import { planWrites } from '../fhir/plan.ts';
import { inputFromBundle } from '../fhir/read-context.ts';
import type { Metrics } from '../metrics.ts';
import { evaluateEncounter, type EngineReference } from '../rules/index.ts';
import { evaluateAndWrite, type EvaluationResult } from './evaluate-encounter.ts';
import { handleNotification, type NotificationHeaders, type NotificationOutcome } from './notifications.ts';
import { EncounterSerializer } from './serializer.ts';
import { SweepLimiter } from './sweep.ts';
import { sweepTargets } from './triggers.ts';

export interface ServiceDeps {
  readonly gateway: FhirGateway;
  readonly reference: EngineReference;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly sweepLookbackHours: number;
  /** Least time between the starts of two catch-up sweeps (default 10 s). */
  readonly sweepMinIntervalMs?: number;
  /** How long a readiness answer is reused (default 5 s). */
  readonly readyCacheMs?: number;
  readonly billingProvider?: string;
  /** The hospital's standard charges (CHARGEMASTER_FILE): the charges on institutional Claims. */
  readonly chargemaster?: Chargemaster;
  readonly clock?: () => Date;
}

export interface DryRun {
  readonly evaluation: Evaluation;
  readonly claim?: Claim;
  readonly detectedIssues: DetectedIssue[];
}

/** Encounters evaluated at once by one sweep or notification: keeps a large sweep from flooding the server. */
const EVALUATION_CONCURRENCY = 4;
const MAX_REMEMBERED = 200_000;

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

/** A bounded map: the oldest entries go first (a Map keeps insertion order). */
function remember(map: Map<string, string>, key: string, value: string): void {
  map.delete(key);
  map.set(key, value);
  for (const k of map.keys()) {
    if (map.size <= MAX_REMEMBERED) break;
    map.delete(k);
  }
}

export class Service {
  readonly serializer = new EncounterSerializer<EvaluationResult>();
  /** `Device/<id>` of the service on the FHIR server, set when registered at start. */
  device: string | undefined;
  /** Where each administration was last seen, to notice one moved to another Encounter without a read. */
  private readonly encounterOfAdministration = new Map<string, string>();
  /** The subject the FHIR server gave each Encounter in its last read here. */
  private readonly patientOfEncounter = new Map<string, string>();
  private readonly sweeps: SweepLimiter;
  /** The last thing known about the FHIR server answering: from a probe or from any request. */
  private readiness: { at: number; ok: Promise<boolean> } | undefined;
  private readonly deps: ServiceDeps;
  private readonly clock: () => Date;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
    this.clock = deps.clock ?? (() => new Date());
    this.sweeps = new SweepLimiter(() => this.runSweep(), deps.sweepMinIntervalMs ?? 10_000);
  }

  private writeContext(): Omit<WriteContext, 'now'> {
    return {
      ...(this.device ? { device: this.device } : {}),
      ...(this.deps.billingProvider ? { billingProvider: this.deps.billingProvider } : {}),
      pricing: {
        catalog: this.deps.reference.catalog,
        ...(this.deps.chargemaster ? { chargemaster: this.deps.chargemaster } : {}),
      },
    };
  }

  /** Reads, evaluates and writes one Encounter (serialised per Encounter in this process). */
  evaluate(encounterId: string): Promise<EvaluationResult> {
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
            knownPatient: (id) => this.patientOfEncounter.get(id),
          },
          encounterId,
        );
        this.recordResult(encounterId, result);
        return result;
      } catch (err) {
        metrics.evaluations.inc({ result: 'failed' });
        throw err;
      } finally {
        end();
      }
    });
  }

  private recordResult(encounterId: string, result: EvaluationResult): void {
    const { metrics } = this.deps;
    metrics.evaluations.inc({ result: result.plan.entries.length ? 'written' : 'unchanged' });
    for (const ref of result.administrations) remember(this.encounterOfAdministration, ref, encounterId);
    if (result.patient) remember(this.patientOfEncounter, encounterId, result.patient);
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
  }

  private since(): Date {
    return new Date(this.clock().getTime() - this.deps.sweepLookbackHours * 3_600_000);
  }

  /**
   * Evaluates each Encounter once. One that does not exist (a dangling reference) is skipped and
   * counted, so one bad reference never blocks the others or the sweep; any other failure (the
   * FHIR server unavailable) fails the call so the sender retries.
   */
  async evaluateTargets(encounterIds: readonly string[]): Promise<number> {
    const unique = [...new Set(encounterIds)].filter((id) => FHIR_ID.test(id));
    const results = await settleWithLimit(unique, EVALUATION_CONCURRENCY, (id) => this.evaluate(id));
    let evaluated = 0;
    for (const r of results) {
      if (r.status === 'fulfilled') evaluated++;
      else if (isVialwiseError(r.reason, 'encounter-not-found')) {
        this.deps.metrics.errors.inc({ kind: 'encounter-not-found' });
        this.deps.logger.warn(
          { event: 'encounter-not-found', errorCode: 'encounter-not-found' },
          'a resource refers to an Encounter that does not exist',
        );
      }
    }
    const failed = results.find(
      (r): r is PromiseRejectedResult =>
        r.status === 'rejected' && !isVialwiseError(r.reason, 'encounter-not-found'),
    );
    if (failed) throw failed.reason;
    return evaluated;
  }

  /**
   * A notification the HTTP layer authenticated (notifications.ts): its raw body and headers,
   * and for HAPI's `PUT {endpoint}/{type}/{id}` the type and id of its path.
   */
  handleNotification(
    raw: Buffer,
    headers: NotificationHeaders,
    path?: { readonly type: string; readonly id: string },
  ): Promise<NotificationOutcome> {
    return handleNotification(
      {
        gateway: this.deps.gateway,
        logger: this.deps.logger,
        metrics: this.deps.metrics,
        since: () => this.since(),
        knownEncounterOf: (ref) => this.encounterOfAdministration.get(ref),
        evaluateTargets: (ids) => this.evaluateTargets(ids),
        requestSweep: () => this.sweeps.request(),
        sweepFailed: (err) => this.sweepFailed(err),
      },
      raw,
      headers,
      path,
    );
  }

  private async runSweep(): Promise<number> {
    const targets = await sweepTargets(this.deps.gateway, this.since());
    const total = await this.evaluateTargets(targets);
    this.deps.metrics.sweeps.inc();
    this.deps.logger.info({ event: 'sweep-done', count: total }, 'catch-up sweep finished');
    return total;
  }

  private sweepFailed(err: unknown): void {
    this.deps.metrics.errors.inc({ kind: 'sweep' });
    this.deps.logger.warn(
      { event: 'sweep-failed', errorCode: isVialwiseError(err) ? err.code : 'error' },
      'catch-up sweep failed',
    );
  }

  /** A requested catch-up sweep, rate-limited (sweep.ts): resolves when the sweep it joined is done. */
  sweep(): Promise<number> {
    return this.sweeps.request().done;
  }

  /** The periodic sweep: runs now unless one runs or waits already. */
  periodicSweep(): Promise<number> {
    return this.sweeps.tick() ?? Promise.resolve(0);
  }

  /** Evaluates a posted Bundle and returns what would be written; writes nothing. */
  dryRun(bundle: Bundle): DryRun | undefined {
    const input = inputFromBundle(bundle);
    if (!input) return undefined;
    const now = this.clock().toISOString();
    const evaluation = evaluateEncounter(input, this.deps.reference, now);
    const plan = planWrites(
      evaluation,
      input,
      { claims: input.claims, issues: [] },
      { ...this.writeContext(), now },
    );
    return { evaluation, ...(plan.claim ? { claim: plan.claim } : {}), detectedIssues: plan.issues };
  }

  /**
   * Whether the FHIR server answers. Every request the gateway makes says so (`noteFhirAnswer`);
   * only when none was made for a few seconds does this ask for the CapabilityStatement, and
   * concurrent callers share that one request. Callers of /readyz (unauthenticated) therefore
   * cannot make the service hammer the FHIR server.
   */
  ready(): Promise<boolean> {
    const now = performance.now();
    if (this.readiness && now - this.readiness.at < (this.deps.readyCacheMs ?? 5_000))
      return this.readiness.ok;
    const ok = this.deps.gateway.metadata().then(
      () => true,
      () => false,
    );
    this.readiness = { at: now, ok };
    return ok;
  }

  /**
   * What one FHIR request showed: an answer below 500 means the server answers, except a refusal
   * of the service's credentials (401, 403), which leaves it unable to work; 0 is no answer.
   */
  noteFhirAnswer(status: number): void {
    const ok = status > 0 && status < 500 && status !== 401 && status !== 403;
    this.readiness = { at: performance.now(), ok: Promise.resolve(ok) };
  }

  /** Resolves once no evaluation or sweep is running or queued (graceful shutdown). */
  async idle(): Promise<void> {
    await this.sweeps.idle();
    await this.serializer.idle();
  }

  /** Drops a queued sweep; evaluations in flight finish. */
  stop(): void {
    this.sweeps.stop();
  }
}
