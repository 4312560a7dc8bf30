/**
 * Error answers of any R4 server in the shape @medplum/core reads. MedplumClient keeps only the
 * body of an error response, and HAPI, Epic or Oracle Health do not set Medplum's outcome ids:
 * without them a 412 would look like a 400 and the version-conflict retry would never run.
 */
import { getStatus, isOperationOutcome, OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { VialwiseError } from '../domain/errors.ts';

/** OperationOutcome ids by HTTP status, as getStatus reads them. */
const OUTCOME_ID: Readonly<Record<number, string>> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  410: 'gone',
  412: 'precondition-failed',
  413: 'content-too-large',
  415: 'unsupported-media-type',
  422: 'business-rule',
};

/**
 * The outcome of an error response with the id its status implies; the body as it is when no id
 * applies or the server already set it. A body that is not an OperationOutcome (an HTML error
 * page) becomes one that says only the status.
 */
export function outcomeForStatus(body: unknown, status: number): unknown {
  const id = OUTCOME_ID[status];
  if (!id) return body;
  if (isOperationOutcome(body) && body.id === id) return body;
  const issue: OperationOutcome['issue'] =
    isOperationOutcome(body) && Array.isArray(body.issue)
      ? body.issue
      : [{ severity: 'error', code: 'processing', details: { text: `FHIR server answered ${status}` } }];
  return { resourceType: 'OperationOutcome', id, issue } satisfies OperationOutcome;
}

/** The OperationOutcomeError MedplumClient throws for an error response (status 400-499). */
export function upstreamError(status: number, body: unknown): OperationOutcomeError {
  const outcome = outcomeForStatus(body, status);
  return new OperationOutcomeError(
    isOperationOutcome(outcome)
      ? outcome
      : {
          resourceType: 'OperationOutcome',
          issue: [
            { severity: 'error', code: 'processing', details: { text: `FHIR server answered ${status}` } },
          ],
        },
  );
}

/** The HTTP status of an error the FHIR server answered, or undefined for any other error. */
export function upstreamStatus(err: unknown): number | undefined {
  return err instanceof OperationOutcomeError ? getStatus(err.outcome) : undefined;
}

/**
 * What an error the FHIR server answered means for vialwise's own caller: never the server's
 * status or text, since the server refusing the service's request is not the caller's fault
 * (a refused write answered 400 would tell a notification's sender its body was malformed).
 * Credentials refused: `fhir-auth-failed` (retry); a version conflict: `write-conflict` (retry);
 * a resource the server does not have: `fhir-not-found`; anything else: `fhir-refused`. Undefined for errors that are not the server's answer.
 */
export function asServiceError(err: unknown): VialwiseError | undefined {
  const status = upstreamStatus(err);
  if (status === undefined) return undefined;
  const message = `FHIR server answered ${status}`;
  if (status === 401 || status === 403) return new VialwiseError('fhir-auth-failed', message, { cause: err });
  if (status === 412) return new VialwiseError('write-conflict', message, { cause: err });
  if (status === 404 || status === 410) return new VialwiseError('fhir-not-found', message, { cause: err });
  return new VialwiseError('fhir-refused', message, { cause: err });
}
