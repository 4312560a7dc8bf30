/**
 * The HTTP layer around Medplum's FhirRouter: express 5 at `/fhir/R4`, with what a client expects
 * of a real server and the router leaves to its host (FHIR-NOTES): `metadata`, ETag,
 * Last-Modified, Location and 201, paging links, fullUrl, and OperationOutcome for every error.
 */
import {
  badRequest,
  contentTooLarge,
  getStatus,
  isOk,
  isResourceType,
  notFound,
  unsupportedMediaType,
} from '@medplum/core';
import type { FhirRepository, FhirRequest, HttpMethod } from '@medplum/fhir-router';
import { FhirRouter } from '@medplum/fhir-router';
import type { Bundle, CapabilityStatement, OperationOutcome, Resource } from '@medplum/fhirtypes';
import express from 'express';
import type { ErrorRequestHandler, Express, Request, Response } from 'express';
import type { Logger } from 'pino';
import { buildCapabilityStatement } from './capability.ts';
import { indexFhirR4Definitions } from './definitions.ts';
import { bulkExport } from './export.ts';
import { addFullUrls, checkSearchParameters, pageLinks, pageQuery } from './search.ts';
import type { PagedQuery, PagingOptions, QueryValues } from './search.ts';

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

const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const BODY_INTERACTIONS: ReadonlySet<string> = new Set(['create', 'update', 'patch', 'batch', 'operation']);
const VERSIONED_INTERACTIONS: ReadonlySet<string> = new Set(['read', 'vread', 'create', 'update', 'patch']);

const genericServerError: OperationOutcome = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'exception', details: { text: 'Internal server error' } }],
};

export function createEmbeddedFhirApp(options: EmbeddedFhirAppOptions): Express {
  indexFhirR4Definitions();
  const { logger, repo } = options;
  const router = options.router ?? new FhirRouter();
  const bodyLimit = options.bodyLimit ?? '5mb';
  const paging: PagingOptions = {
    defaultPageSize: options.defaultPageSize ?? 50,
    maxPageSize: options.maxPageSize ?? 1000,
  };
  let defaultStatement: CapabilityStatement | undefined;
  const capabilityStatement =
    options.capabilityStatement ?? (() => (defaultStatement ??= buildCapabilityStatement()));

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

  fhir.get('/metadata', (req, res) => {
    res.locals.route = 'capabilities';
    const statement = capabilityStatement();
    sendFhir(res, 200, {
      ...statement,
      implementation: { description: statement.implementation?.description ?? 'vialwise', url: baseOf(req) },
    });
  });

  // Minimal Bulk Data $export (export.ts), ahead of the router, which does not implement it.
  fhir.use(bulkExport({ repo, baseOf, logger }));

  fhir.use(async (req, res) => {
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (!METHODS.has(method)) {
      res.locals.route = 'unsupported-method';
      sendFhir(res, 405, issue('not-supported', 'Method not allowed'));
      return;
    }
    const httpMethod = method as HttpMethod;
    const queryStart = req.url.indexOf('?');
    const path = queryStart < 0 ? req.url : req.url.slice(0, queryStart);

    let route;
    try {
      route = router.find(httpMethod, req.url);
    } catch {
      sendFhir(res, 400, badRequest('Invalid request URL'));
      return;
    }
    if (!route) {
      sendFhir(res, 404, notFound);
      return;
    }
    const interaction = route.data?.interaction ?? 'operation';
    res.locals.route = interaction;
    const resourceType = route.params.resourceType;
    if (resourceType !== undefined && !isResourceType(resourceType)) {
      sendFhir(res, 404, issue('not-found', 'Unknown resource type'));
      return;
    }

    const hasBody = req.body !== undefined;
    if (BODY_INTERACTIONS.has(interaction) && !hasBody) {
      const contentType = req.get('content-type');
      if (contentType && !/json/i.test(contentType)) sendFhir(res, 415, unsupportedMediaType);
      else sendFhir(res, 400, badRequest('Missing request body'));
      return;
    }

    // A conditional write whose criteria match nothing by mistake would create a duplicate or
    // silently do nothing, so its criteria get the same checks as a search.
    const conditional = conditionalCriteria(
      interaction,
      route.params.id,
      route.query,
      req.get('if-none-exist'),
    );
    if (conditional && resourceType !== undefined && isResourceType(resourceType)) {
      const problem =
        Object.keys(conditional).length === 0
          ? badRequest('A conditional update, patch or delete needs search criteria')
          : checkSearchParameters(resourceType, conditional);
      if (problem) {
        sendFhir(res, 400, problem);
        return;
      }
    }

    let url = req.url;
    let body: unknown = req.body;
    let paged: PagedQuery | undefined;
    if (interaction === 'search-type' || interaction === 'search-system') {
      const formBody = method === 'POST' && isPlainObject(req.body) ? (req.body as QueryValues) : {};
      const query: QueryValues = { ...(route.query ?? {}), ...formBody };
      if (resourceType !== undefined && isResourceType(resourceType)) {
        const problem = checkSearchParameters(resourceType, query);
        if (problem) {
          sendFhir(res, 400, problem);
          return;
        }
      }
      paged = pageQuery(query, paging);
      if (method === 'POST') {
        url = path;
        body = toQueryValues(paged.params);
      } else {
        url = `${path}?${paged.params.toString()}`;
      }
    }

    // The router answers an update of a missing id with 200; a real server says 201 Created.
    const existedBefore =
      interaction === 'update' && resourceType && route.params.id
        ? await repo.readResource(resourceType, route.params.id).then(
            () => true,
            () => false,
          )
        : true;

    const fhirRequest: FhirRequest = {
      method: httpMethod,
      url,
      pathname: '',
      params: {},
      query: {},
      body,
      headers: req.headers,
      config: { transactions: true },
    };
    const [outcome, resource] = await router.handleRequest(fhirRequest, repo);
    let status = getStatus(outcome);
    if (!isOk(outcome)) {
      sendFhir(res, status, outcome);
      return;
    }
    if (!resource) {
      sendFhir(res, status, outcome);
      return;
    }

    const base = baseOf(req);
    if (resource.resourceType === 'Bundle') {
      addFullUrls(resource, base);
      if (paged) {
        resource.link = pageLinks(
          `${base}${path === '/' ? '' : path.replace(/\/_search$/, '')}`,
          paged,
          resource.total,
        );
      }
      if (interaction === 'batch') annotateBatchResponse(resource);
      sendFhir(res, status, resource);
      return;
    }

    const versionId = resource.meta?.versionId;
    if (VERSIONED_INTERACTIONS.has(interaction) && versionId && resource.id) {
      const etag = `W/"${versionId}"`;
      res.set('ETag', etag);
      const lastUpdated = resource.meta?.lastUpdated;
      if (lastUpdated) res.set('Last-Modified', new Date(lastUpdated).toUTCString());
      if (interaction === 'read' && matchesIfNoneMatch(req.get('if-none-match'), versionId)) {
        res.status(304).end();
        return;
      }
      if (interaction === 'update' && !existedBefore) status = 201;
      if (status === 201) {
        res.set('Location', `${base}/${resource.resourceType}/${resource.id}/_history/${versionId}`);
      }
    }
    sendFhir(res, status, resource);
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

function issue(code: 'not-found' | 'not-supported', text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] };
}

/** ETag, Last-Modified and a version-specific location on each written entry of a batch/transaction response. */
function annotateBatchResponse(bundle: Bundle): void {
  for (const entry of bundle.entry ?? []) {
    const resource = entry?.resource;
    const response = entry?.response;
    const versionId = resource?.meta?.versionId;
    if (!response || !resource?.id || !versionId) continue;
    response.etag = `W/"${versionId}"`;
    if (resource.meta?.lastUpdated) response.lastModified = resource.meta.lastUpdated;
    if (response.status === '201')
      response.location = `${resource.resourceType}/${resource.id}/_history/${versionId}`;
  }
}

function matchesIfNoneMatch(header: string | undefined, versionId: string): boolean {
  if (!header) return false;
  return header
    .split(',')
    .some((tag) => tag.trim() === '*' || tag.trim().replace(/^W\//, '') === `"${versionId}"`);
}

/** The search criteria of a conditional create (If-None-Exist), update, patch or delete, if it is one. */
function conditionalCriteria(
  interaction: string,
  id: string | undefined,
  query: QueryValues | undefined,
  ifNoneExist: string | undefined,
): QueryValues | undefined {
  if (interaction === 'create')
    return ifNoneExist ? toQueryValues(new URLSearchParams(ifNoneExist)) : undefined;
  if ((interaction === 'update' || interaction === 'patch' || interaction === 'delete') && id === undefined) {
    return query ?? {};
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toQueryValues(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    out[name] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return out;
}
