/**
 * The HTTP layer around the embedded server's request handler (handler.ts): express 5 at
 * `/fhir/R4`, with body parsing, request logs, the Bulk Data `$export` and the error handler.
 */
import { badRequest, contentTooLarge, notFound, unsupportedMediaType } from '@medplum/core';
import type { FhirRepository, FhirRouter } from '@medplum/fhir-router';
import type { CapabilityStatement, Resource } from '@medplum/fhirtypes';
import express from 'express';
import type { ErrorRequestHandler, Express, Request, Response } from 'express';
import type { Logger } from 'pino';
import { bulkExport } from './export.ts';
import { createFhirHandler, genericServerError } from './handler.ts';

export const FHIR_BASE_PATH = '/fhir/R4';
export const FHIR_JSON = 'application/fhir+json';
const JSON_BODY_TYPES = [FHIR_JSON, 'application/json', 'application/json-patch+json', 'application/*+json'];

export interface EmbeddedFhirAppOptions {
  readonly logger: Logger;
  /** Usually a NotifyingMemoryRepository, so that subscriptions see the writes. */
  readonly repo: FhirRepository;
  readonly router?: FhirRouter;
  /**
   * Fixed base URL for Location, fullUrl and paging links. By default they are built from the
   * request's Host header, so they work however the client reached the server.
   */
  readonly publicBaseUrl?: string;
  /** Largest accepted request body (bytes or an express size such as '5mb'). Default '5mb'. */
  readonly bodyLimit?: number | string;
  /** Page size when `_count` is absent. Default 50. */
  readonly defaultPageSize?: number;
  /** Largest honoured `_count`. Default 1000 (MedplumClient's searchResourcePages asks for 1000). */
  readonly maxPageSize?: number;
  /** The statement behind `GET metadata`; `implementation.url` is set per request. */
  readonly capabilityStatement?: () => CapabilityStatement;
}

export function createEmbeddedFhirApp(options: EmbeddedFhirAppOptions): Express {
  const { logger, repo } = options;
  const bodyLimit = options.bodyLimit ?? '5mb';
  const handle = createFhirHandler({
    repo,
    ...(options.router ? { router: options.router } : {}),
    ...(options.defaultPageSize !== undefined ? { defaultPageSize: options.defaultPageSize } : {}),
    ...(options.maxPageSize !== undefined ? { maxPageSize: options.maxPageSize } : {}),
    ...(options.capabilityStatement ? { capabilityStatement: options.capabilityStatement } : {}),
  });

  const baseOf = (req: Request): string => {
    if (options.publicBaseUrl) return options.publicBaseUrl.replace(/\/+$/, '');
    const host = req.get('host') ?? '';
    // Only plain host[:port] values go into URLs we hand back.
    const safe = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/.test(host) ? host : 'localhost';
    return `${req.protocol}://${safe}${FHIR_BASE_PATH}`;
  };

  const app = express();
  app.disable('x-powered-by');
  // Express would otherwise hash every body into its own ETag; ours carry the version.
  app.set('etag', false);

  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      logger.debug({
        event: 'fhir-server.request',
        method: req.method,
        route: typeof res.locals.route === 'string' ? res.locals.route : 'none',
        status: res.statusCode,
        durationMs: Math.round(performance.now() - started),
      });
    });
    next();
  });

  const fhir = express.Router();
  fhir.use(express.json({ type: JSON_BODY_TYPES, limit: bodyLimit }));
  fhir.use(
    express.urlencoded({ type: 'application/x-www-form-urlencoded', extended: false, limit: bodyLimit }),
  );

  // Minimal Bulk Data $export (export.ts), ahead of the router, which does not implement it.
  fhir.use(bulkExport({ repo, baseOf, logger }));

  fhir.use(async (req, res) => {
    const out = await handle({
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: req.body as unknown,
      baseUrl: baseOf(req),
    });
    res.locals.route = out.route;
    res.set(out.headers);
    if (out.body === undefined) res.status(out.status).end();
    else sendFhir(res, out.status, out.body);
  });

  app.use(FHIR_BASE_PATH, fhir);
  app.use((_req, res) => {
    res.locals.route ??= 'unknown';
    sendFhir(res, 404, notFound);
  });

  const errorHandler: ErrorRequestHandler = (err: unknown, _req, res, _next) => {
    const e = (typeof err === 'object' && err !== null ? err : {}) as { status?: unknown; type?: unknown };
    const status = typeof e.status === 'number' ? e.status : 500;
    if (res.headersSent) {
      res.end();
      return;
    }
    if (e.type === 'entity.parse.failed') sendFhir(res, 400, badRequest('Malformed JSON body'));
    else if (status === 413)
      sendFhir(res, 413, contentTooLarge(`Request body larger than ${String(bodyLimit)}`));
    else if (status === 415) sendFhir(res, 415, unsupportedMediaType);
    else if (status >= 400 && status < 500) sendFhir(res, status, badRequest('Bad request'));
    else {
      logger.error({ event: 'fhir-server.error', errorCode: err instanceof Error ? err.name : 'unknown' });
      sendFhir(res, 500, genericServerError);
    }
  };
  app.use(errorHandler);
  return app;
}

/** Sends FHIR JSON; 5xx outcomes are replaced by a generic one so no internals leak. */
function sendFhir(res: Response, status: number, body: Resource): void {
  const payload = status >= 500 && body.resourceType === 'OperationOutcome' ? genericServerError : body;
  res.status(status).type(FHIR_JSON).send(JSON.stringify(payload));
}
