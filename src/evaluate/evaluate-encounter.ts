/**
 * The use case, in three steps: gather (one batch read), decide (the pure engine), write back
 * (one transaction with only what changed). A 412 on a version-checked update means another
 * evaluation wrote first: read again and re-plan, so replicas and replays converge.
 */
import type { Bundle } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import type { Evaluation } from '../domain/types.ts';
import { isPreconditionFailed, type FhirGateway } from '../fhir/gateway.ts';
import { planWrites, transactionBundle, type WritePlan } from '../fhir/plan.ts';
import { readEncounterContext } from '../fhir/read-context.ts';
import type { WriteContext } from '../fhir/resources.ts';
import { evaluateEncounter, type EngineReference } from '../rules/index.ts';
import { localRef } from '../domain/fhir-values.ts';

export interface EvaluateDeps {
  readonly gateway: FhirGateway;
  readonly reference: EngineReference;
  readonly writeContext: () => Omit<WriteContext, 'now'>;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly onEvaluated?: (result: EvaluationResult) => void;
}

export interface EvaluationResult {
  readonly evaluation: Evaluation;
  readonly plan: WritePlan;
  /** FHIR requests this evaluation made (reads + writes, all attempts). */
  readonly requests: number;
  readonly attempts: number;
  readonly durationMs: number;
  /** `MedicationAdministration/<id>` of every administration the Encounter has now. */
  readonly administrations: readonly string[];
}

export class WriteConflictError extends Error {
  readonly code = 'write-conflict';
}

const MAX_ATTEMPTS = 5;

export async function evaluateAndWrite(
  deps: EvaluateDeps,
  encounterId: string,
  patientHint?: string,
): Promise<EvaluationResult> {
  const started = performance.now();
  let requests = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const ctx = await readEncounterContext(deps.gateway, encounterId, patientHint);
    requests += ctx.requests;
    const now = deps.clock().toISOString();
    const evaluation = evaluateEncounter(ctx.input, deps.reference, now);
    const plan = planWrites(evaluation, ctx.input.encounter, ctx.existing, { ...deps.writeContext(), now });
    if (plan.entries.length > 0) {
      requests++;
      let response: Bundle;
      try {
        response = await deps.gateway.transaction(transactionBundle(plan.entries));
      } catch (err) {
        if (isPreconditionFailed(err) && attempt < MAX_ATTEMPTS) {
          deps.logger.info(
            { event: 'write-conflict', encounter: encounterId, attempt },
            'version conflict, re-reading',
          );
          continue;
        }
        throw err;
      }
      const conflicted = (response.entry ?? []).some((e) => e.response?.status?.startsWith('412'));
      if (conflicted) {
        if (attempt < MAX_ATTEMPTS) continue;
        throw new WriteConflictError(
          `Encounter ${encounterId}: writes kept conflicting after ${MAX_ATTEMPTS} attempts`,
        );
      }
      const failed = (response.entry ?? []).find((e) => !e.response?.status?.match(/^2\d\d/));
      if (failed)
        throw new Error(`transaction entry answered ${failed.response?.status?.slice(0, 3) ?? 'no status'}`);
      // Created resources get their server ids, so the API answer can be used as is.
      for (const [i, entry] of plan.entries.entries()) {
        const id = localRef(response.entry?.[i]?.response?.location)?.split('/')[1];
        if (entry.request?.method === 'POST' && entry.resource && id) entry.resource.id = id;
      }
    }
    const result: EvaluationResult = {
      evaluation,
      plan,
      requests,
      attempts: attempt,
      durationMs: performance.now() - started,
      administrations: ctx.existing.administrations ?? [],
    };
    deps.logger.info(
      {
        event: 'evaluated',
        encounter: encounterId,
        lines: evaluation.lines.length,
        gaps: evaluation.gaps.length,
        writes: plan.entries.length,
        count: requests,
        durationMs: Math.round(result.durationMs),
      },
      'encounter evaluated',
    );
    deps.onEvaluated?.(result);
    return result;
  }
  throw new WriteConflictError(
    `Encounter ${encounterId}: writes kept conflicting after ${MAX_ATTEMPTS} attempts`,
  );
}

/**
 * Runs evaluations one at a time per Encounter within this process, and folds a burst of
 * notifications for the same Encounter into one pending re-run.
 */
export class EncounterSerializer {
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly queued = new Map<string, Promise<EvaluationResult>>();
  private inFlight = 0;

  get active(): number {
    return this.inFlight;
  }

  run(encounterId: string, task: () => Promise<EvaluationResult>): Promise<EvaluationResult> {
    const current = this.running.get(encounterId);
    if (!current) return this.start(encounterId, task);
    const waiting = this.queued.get(encounterId);
    if (waiting) return waiting;
    const next = current
      .catch(() => undefined)
      .then(() => {
        this.queued.delete(encounterId);
        return this.start(encounterId, task);
      });
    this.queued.set(encounterId, next);
    return next;
  }

  private start(encounterId: string, task: () => Promise<EvaluationResult>): Promise<EvaluationResult> {
    this.inFlight++;
    const p = task().finally(() => {
      this.inFlight--;
      if (this.running.get(encounterId) === p) this.running.delete(encounterId);
    });
    this.running.set(encounterId, p);
    return p;
  }

  /** Resolves when nothing is running (for graceful shutdown). */
  async idle(): Promise<void> {
    while (this.running.size || this.queued.size) {
      await Promise.allSettled([...this.running.values(), ...this.queued.values()]);
    }
  }
}
