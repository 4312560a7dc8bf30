/** One place that turns anything thrown into an OperationOutcome with the right status. */
import { badRequest, getStatus, isOperationOutcome, notFound, OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AuthError } from '../fhir/auth.ts';
import { WriteConflictError } from '../evaluate/evaluate-encounter.ts';
import { FhirUnavailableError } from '../fhir/http-fetch.ts';
import { EncounterNotFoundError } from '../fhir/read-context.ts';

export function outcome(
  code: OperationOutcome['issue'][number]['code'],
  text: string,
  id?: string,
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    ...(id ? { id } : {}),
    issue: [{ severity: 'error', code, details: { text } }],
  };
}

export function sendOutcome(res: Response, status: number, body: OperationOutcome): void {
  res.status(status).type('application/fhir+json').json(body);
}

export const unauthorized = (): OperationOutcome =>
  outcome('login', 'Missing or invalid signature or bearer token', 'unauthorized');
export const unavailable = (): OperationOutcome =>
  outcome('transient', 'The FHIR server is unavailable; retry later', 'unavailable');
export const fhirAuthFailed = (): OperationOutcome =>
  outcome(
    'transient',
    'The FHIR server did not accept the service credentials; retry later',
    'fhir-auth-failed',
  );

/** Fixed texts for the client errors body-parser raises; its own messages can echo headers. */
const CLIENT_ERRORS: Partial<Record<number, [OperationOutcome['issue'][number]['code'], string]>> = {
  400: ['invalid', 'Body could not be read'],
  413: ['too-costly', 'Body is larger than 1 MiB'],
  415: ['not-supported', 'Unsupported body encoding'],
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const e = err as { type?: string; status?: number; name?: string; expose?: boolean };
    if (e?.type === 'entity.too.large')
      return sendOutcome(res, 413, outcome('too-costly', 'Body is larger than 1 MiB'));
    if (e?.type === 'entity.parse.failed') return sendOutcome(res, 400, badRequest('Body is not valid JSON'));
    if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
      return sendOutcome(res, 415, outcome('not-supported', 'Unsupported body encoding'));
    if (err instanceof FhirUnavailableError) {
      logger.warn(
        { event: 'fhir-unavailable', errorCode: err.code, status: err.status ?? 0 },
        'FHIR server unavailable',
      );
      res.setHeader('Retry-After', '5');
      return sendOutcome(res, 503, unavailable());
    }
    if (err instanceof AuthError) {
      // The token endpoint refused or failed: the sender should retry once credentials are fixed.
      logger.warn({ event: 'fhir-auth-failed', errorCode: err.code }, 'FHIR token request failed');
      res.setHeader('Retry-After', '5');
      return sendOutcome(res, 503, fhirAuthFailed());
    }
    if (err instanceof WriteConflictError) {
      // Other writers kept winning: the state is not lost, only late. The sender retries.
      logger.warn({ event: 'write-conflict', errorCode: err.code }, 'writes kept conflicting');
      res.setHeader('Retry-After', '5');
      return sendOutcome(
        res,
        503,
        outcome('conflict', 'Concurrent updates kept conflicting; retry later', 'write-conflict'),
      );
    }
    if (err instanceof EncounterNotFoundError) return sendOutcome(res, 404, notFound);
    if (err instanceof OperationOutcomeError) {
      const status = getStatus(err.outcome);
      if (status === 401 || status === 403) {
        // The FHIR server refused our token (even after one renewal): not the caller's fault.
        logger.warn(
          { event: 'fhir-auth-failed', errorCode: 'fhir-auth-rejected', status },
          'FHIR server rejected the credentials',
        );
        res.setHeader('Retry-After', '5');
        return sendOutcome(res, 503, fhirAuthFailed());
      }
      // Upstream outcomes can carry server internals: pass the status on, not the diagnostics.
      if (status >= 500) {
        logger.error({ event: 'upstream-error', status }, 'FHIR server error');
        res.setHeader('Retry-After', '5');
        return sendOutcome(res, 503, unavailable());
      }
      const issue = err.outcome.issue?.[0];
      return sendOutcome(
        res,
        status,
        outcome(issue?.code ?? 'processing', issue?.details?.text ?? 'Request failed'),
      );
    }
    if (isOperationOutcome(err)) return sendOutcome(res, getStatus(err), err);
    // Other client errors from body-parser (e.g. a body that does not inflate as its
    // Content-Encoding says, or ends early): their status with a fixed text.
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true) {
      const known = CLIENT_ERRORS[e.status];
      return known
        ? sendOutcome(res, e.status, outcome(...known))
        : sendOutcome(res, 400, outcome('invalid', 'Body could not be read'));
    }
    logger.error({ event: 'unhandled-error', errorCode: e?.name ?? 'Error' }, 'request failed');
    return sendOutcome(res, 500, outcome('exception', 'Internal error'));
  };
}
