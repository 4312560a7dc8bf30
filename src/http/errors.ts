/**
 * The one error handler: anything thrown becomes an OperationOutcome with the status, text and
 * `Retry-After` of its code in the registry (domain/errors.ts), built with @medplum/core's outcome
 * helpers. Text from the FHIR server never reaches a client; logs carry only codes.
 */
import {
  badRequest,
  conflict,
  contentTooLarge,
  forbidden,
  notFound,
  OperationOutcomeError,
  unauthorized,
  unsupportedMediaType,
} from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { errorSpec, isVialwiseError, VialwiseError, type ErrorCode } from '../domain/errors.ts';
import { asServiceError } from '../fhir/outcomes.ts';

function withText(outcome: OperationOutcome, text: string): OperationOutcome {
  const [first, ...rest] = outcome.issue;
  return { ...outcome, issue: [{ ...first!, details: { text } }, ...rest] };
}

const BY_STATUS: Readonly<Record<number, (text: string) => OperationOutcome>> = {
  400: (text) => badRequest(text),
  401: (text) => withText(unauthorized, text),
  403: (text) => withText(forbidden, text),
  404: (text) => withText(notFound, text),
  409: (text) => conflict(text),
  413: (text) => contentTooLarge(text),
  415: (text) => withText(unsupportedMediaType, text),
};

/** The OperationOutcome a code answers with; `id` is the code, so clients can act on it. */
export function outcomeFor(code: string, publicText?: string): OperationOutcome {
  const spec = errorSpec(code);
  const text = publicText ?? spec.text;
  const built = BY_STATUS[spec.status]?.(text) ?? {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: spec.issue, details: { text } }],
  };
  return { ...built, id: code };
}

/** Sends the answer of an error code (status, Retry-After, OperationOutcome). */
export function sendError(res: Response, code: ErrorCode, publicText?: string): void {
  const spec = errorSpec(code);
  if (spec.retryAfter !== undefined) res.setHeader('Retry-After', String(spec.retryAfter));
  res.status(spec.status).type('application/fhir+json').json(outcomeFor(code, publicText));
}

/** body-parser's client errors: a fixed text each, since its own messages can echo headers. */
function bodyParserError(e: { type?: unknown; status?: unknown; expose?: unknown }): ErrorCode | undefined {
  if (e.type === 'entity.too.large') return 'body-too-large';
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return 'unsupported-encoding';
  if (e.type === 'entity.parse.failed') return 'invalid-body';
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true) {
    return e.status === 413 ? 'body-too-large' : e.status === 415 ? 'unsupported-encoding' : 'invalid-body';
  }
  return undefined;
}

/** The registry error for anything thrown; undefined for a bug (answered 500). */
export function toServiceError(err: unknown): VialwiseError | undefined {
  if (isVialwiseError(err)) return err;
  const parsed = err && typeof err === 'object' ? bodyParserError(err) : undefined;
  if (parsed) return new VialwiseError(parsed, 'body-parser refused the body');
  if (err instanceof OperationOutcomeError) return asServiceError(err);
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const known = toServiceError(err);
    if (!known) {
      logger.error(
        { event: 'unhandled-error', errorCode: err instanceof Error ? err.name : 'Error' },
        'request failed',
      );
      return sendError(res, 'internal');
    }
    const status = errorSpec(known.code).status;
    // The event is the code (fhir-unavailable, fhir-auth-failed, ...): alerts key on it.
    if (status >= 500) logger.warn({ event: known.code, errorCode: known.code, status }, 'request failed');
    return sendError(res, known.code, known.publicText);
  };
}
