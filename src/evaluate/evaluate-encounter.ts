/**
 * The use case, in three steps: gather (the batch read of read-context.ts), decide (the pure
 * engine and the write plan), write back (write.ts: only what changed). A 412 on a
 * version-checked write means another evaluation wrote first: read again and re-plan, so that
 * replicas and replays converge.
 */
import type { Logger } from 'pino';
import { VialwiseError } from '../domain/errors.ts';
import type { Evaluation } from '../domain/types.ts';
import type { WriteContext } from '../fhir/codec/index.ts';
import type { FhirGateway } from '../fhir/gateway.ts';
import { isPreconditionFailed } from '../fhir/gateway.ts';
import { planWrites, type WritePlan } from '../fhir/plan.ts';
import { readEncounterContext } from '../fhir/read-context.ts';
import { evaluateEncounter, type EngineReference } from '../rules/index.ts';
import { writePlan, type WriteResult } from './write.ts';

export interface EvaluateDeps {
  readonly gateway: FhirGateway;
  readonly reference: EngineReference;
  readonly writeContext: () => Omit<WriteContext, 'now'>;
  readonly clock: () => Date;
  readonly logger: Logger;
  /**
   * The patient the FHIR server named as the Encounter's subject in an earlier read, if known; it
   * saves a weight-based infusion's extra weight read and is checked against this read.
   */
  readonly knownPatient?: (encounterId: string) => string | undefined;
}

export interface EvaluationResult {
  readonly evaluation: Evaluation;
  readonly plan: WritePlan;
  /** FHIR requests this evaluation made (reads + writes, all attempts). */
  readonly requests: number;
  readonly attempts: number;
  readonly durationMs: number;
  /** How the writes went out (write.ts). */
  readonly strategy: WriteResult['strategy'];
  /** `MedicationAdministration/<id>` of every administration the Encounter has now. */
  readonly administrations: readonly string[];
  /** `Patient/<id>` the Encounter's subject names on the server. */
  readonly patient: string | undefined;
}

const MAX_ATTEMPTS = 5;

function conflict(encounterId: string): VialwiseError {
  return new VialwiseError(
    'write-conflict',
    `Encounter ${encounterId}: writes kept conflicting after ${MAX_ATTEMPTS} attempts`,
  );
}

export async function evaluateAndWrite(deps: EvaluateDeps, encounterId: string): Promise<EvaluationResult> {
  const started = performance.now();
  let requests = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const ctx = await readEncounterContext(deps.gateway, encounterId, deps.knownPatient?.(encounterId));
    requests += ctx.requests;
    const now = deps.clock().toISOString();
    const evaluation = evaluateEncounter(ctx.input, deps.reference, now);
    const plan = planWrites(evaluation, ctx.input, ctx.existing, { ...deps.writeContext(), now });
    let written: WriteResult;
    try {
      written = await writePlan(deps.gateway, plan);
    } catch (err) {
      // A whole transaction refused for a version conflict (Medplum answers 412 for the bundle).
      if (isPreconditionFailed(err) && attempt < MAX_ATTEMPTS) {
        requests++;
        deps.logger.info({ event: 'write-conflict', encounter: encounterId, attempt }, 'version conflict');
        continue;
      }
      throw isPreconditionFailed(err) ? conflict(encounterId) : err;
    }
    requests += written.requests;
    if (written.conflicted) {
      deps.logger.info({ event: 'write-conflict', encounter: encounterId, attempt }, 'version conflict');
      if (attempt < MAX_ATTEMPTS) continue;
      throw conflict(encounterId);
    }
    const result: EvaluationResult = {
      evaluation,
      plan,
      requests,
      attempts: attempt,
      durationMs: performance.now() - started,
      strategy: written.strategy,
      administrations: ctx.existing.administrations ?? [],
      patient: ctx.patient,
    };
    deps.logger.info(
      {
        event: 'evaluated',
        encounter: encounterId,
        lines: evaluation.lines.length,
        gaps: evaluation.gaps.length,
        writes: plan.entries.length,
        count: requests,
        mode: written.strategy,
        durationMs: Math.round(result.durationMs),
      },
      'encounter evaluated',
    );
    return result;
  }
  throw conflict(encounterId);
}
