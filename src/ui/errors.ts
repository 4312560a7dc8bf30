/**
 * The UI's errors as OperationOutcomes with the UI's own words. What the FHIR server said (its
 * diagnostics can carry internals or echo input) is never passed on: a refusal becomes a fixed
 * text with its status, and outages go on to the service's handler (503, fixed text).
 */
import { getStatus, OperationOutcomeError } from '@medplum/core';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { PagingError } from '../fhir/pager.ts';
import { EncounterNotFoundError } from '../fhir/read-context.ts';
import { outcome, sendOutcome } from '../http/errors.ts';
import { FilterError } from './filters.ts';
import { ActionError } from './views/actions.ts';

export function uiErrors(logger: Logger) {
  return (err: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (err instanceof FilterError)
      return sendOutcome(res, 400, outcome('invalid', err.message, 'invalid-filter'));
    if (err instanceof ActionError)
      return sendOutcome(res, 400, outcome('invalid', err.message, 'invalid-action'));
    if (err instanceof EncounterNotFoundError)
      return sendOutcome(res, 404, outcome('not-found', 'Encounter not found', 'encounter-not-found'));
    const e = err as { type?: string };
    if (e?.type === 'entity.too.large')
      return sendOutcome(res, 413, outcome('too-costly', 'The request is too long'));
    if (err instanceof PagingError) {
      logger.warn({ event: 'fhir-paging-refused', errorCode: err.code }, 'FHIR paging refused');
      return sendOutcome(
        res,
        502,
        outcome('exception', 'The FHIR server sent a page link vialwise does not follow'),
      );
    }
    if (err instanceof OperationOutcomeError) {
      const status = getStatus(err.outcome);
      // Credentials and outages: the service's handler answers 503 with its own text.
      if (status === 401 || status === 403 || status >= 500) return next(err);
      logger.warn({ event: 'fhir-refused', status }, 'FHIR server refused a UI read or write');
      return status === 404
        ? sendOutcome(res, 404, outcome('not-found', 'Not found on the FHIR server'))
        : sendOutcome(res, 502, outcome('exception', 'The FHIR server refused the request', 'fhir-refused'));
    }
    next(err);
  };
}
