/**
 * Who may call `/api/*`: the evaluation API and the web UI's JSON (`/api/ui/*`). Those routes
 * read patient data with the service's own FHIR credentials and write back, so outside the
 * embedded demo they need `Authorization: Bearer <API_TOKEN>` (a shared operator credential
 * until single sign-on sits in front), and without API_TOKEN they are off. `/notify` has its own
 * check (the webhook secret); health, readiness and metrics carry no patient data.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { ApiAccess } from '../config.ts';
import type { Metrics } from '../metrics.ts';
import { sendError } from './errors.ts';
import { bearerMatches } from './signature.ts';

const API_UNAUTHORIZED = 'Missing or invalid API token: send Authorization: Bearer <API_TOKEN>';

export function requireApiAccess(access: ApiAccess, metrics: Metrics, logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (access.mode === 'open') return next();
    // Neither answer may be cached: the next request, with a token, must reach the service.
    res.setHeader('Cache-Control', 'no-store');
    if (access.mode === 'disabled') {
      metrics.errors.inc({ kind: 'api-disabled' });
      return sendError(res, 'api-disabled');
    }
    const authorization = req.headers.authorization;
    if (bearerMatches(access.token, authorization)) {
      res.removeHeader('Cache-Control');
      return next();
    }
    metrics.errors.inc({ kind: 'unauthorized' });
    logger.warn(
      { event: 'api-unauthorized', reason: authorization === undefined ? 'no-token' : 'invalid-token' },
      'API request without a valid token',
    );
    // RFC 6750 section 3. Never a hint of the token itself.
    res.setHeader(
      'WWW-Authenticate',
      authorization === undefined
        ? 'Bearer realm="vialwise"'
        : 'Bearer realm="vialwise", error="invalid_token"',
    );
    return sendError(res, 'unauthorized', API_UNAUTHORIZED);
  };
}
