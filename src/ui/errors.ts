/**
 * The UI's own words for a request over its body limit. Every other error, the UI's codes
 * (`invalid-filter`, `invalid-action`) and the FHIR server's refusals included, goes on to the
 * service's one error handler (src/http/errors.ts): the registry's status and text, never what
 * the FHIR server said.
 */
import type { NextFunction, Request, Response } from 'express';
import { sendError } from '../http/errors.ts';

export function uiErrors() {
  return (err: unknown, _req: Request, res: Response, next: NextFunction): void => {
    const e = err as { type?: string };
    if (e?.type === 'entity.too.large') return sendError(res, 'body-too-large', 'The request is too long');
    next(err);
  };
}
