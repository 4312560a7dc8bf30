/**
 * The embedded FHIR server as a plain function of a request: what Medplum's FhirRouter leaves to
 * its host (FHIR-NOTES "FhirRouter + MemoryRepository as an HTTP server") — `metadata`, ETag,
 * Last-Modified, Location and 201, paging links (also inside batch responses), `fullUrl`, and an
 * OperationOutcome for every error — without express or sockets. The express app (app.ts) and
 * the in-process gateway (src/fhir/in-process-gateway.ts) both call it, so a test that skips the
 * socket still sees what a client over HTTP sees.
 */
import { badRequest, getStatus, isOk, isResourceType, notFound, unsupportedMediaType } from '@medplum/core';
import type { FhirRepository, FhirRequest, HttpMethod } from '@medplum/fhir-router';
import { FhirRouter } from '@medplum/fhir-router';
import type { Bundle, CapabilityStatement, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { buildCapabilityStatement } from './capability.ts';
import { indexFhirR4Definitions } from './definitions.ts';
import { addFullUrls, checkSearchParameters, pageLinks, pageQuery } from './search.ts';
import type { PagedQuery, PagingOptions, QueryValues } from './search.ts';

export interface FhirHttpRequest {
  readonly method: string;
  /** The path below the FHIR base with its query string (`/Claim?identifier=...`; `/` for the base). */
  readonly url: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body, or the form values of a `POST _search`; undefined when none was sent. */
  readonly body?: unknown;
  /** The base URL written into Location, `fullUrl` and paging links. */
  readonly baseUrl: string;
}

export interface FhirHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Absent for 304. */
  readonly body?: Resource;
  /** The FHIR interaction, for request logs (`read`, `search-type`, `batch`, ...). */
  readonly route: string;
}

export type FhirHandler = (request: FhirHttpRequest) => Promise<FhirHttpResponse>;

export interface FhirHandlerOptions {
  readonly repo: FhirRepository;
  readonly router?: FhirRouter;
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

export const genericServerError: OperationOutcome = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'exception', details: { text: 'Internal server error' } }],
};

export function createFhirHandler(options: FhirHandlerOptions): FhirHandler {
  indexFhirR4Definitions();
  const { repo } = options;
  const router = options.router ?? new FhirRouter();
  const paging: PagingOptions = {
    defaultPageSize: options.defaultPageSize ?? 50,
    maxPageSize: options.maxPageSize ?? 1000,
  };
  let defaultStatement: CapabilityStatement | undefined;
  const capabilityStatement =
    options.capabilityStatement ?? (() => (defaultStatement ??= buildCapabilityStatement()));

  return async (req) => {
    const reply = (status: number, body: Resource | undefined, route: string, headers = {}) =>
      respond(status, body, route, headers);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (!METHODS.has(method))
      return reply(405, issue('not-supported', 'Method not allowed'), 'unsupported-method');
    const queryStart = req.url.indexOf('?');
    const path = queryStart < 0 ? req.url : req.url.slice(0, queryStart);

    if (method === 'GET' && path === '/metadata') {
      const statement = capabilityStatement();
      return reply(
        200,
        {
          ...statement,
          implementation: {
            description: statement.implementation?.description ?? 'vialwise',
            url: req.baseUrl,
          },
        },
        'capabilities',
      );
    }

    const httpMethod = method as HttpMethod;
    let route;
    try {
      route = router.find(httpMethod, req.url);
    } catch {
      return reply(400, badRequest('Invalid request URL'), 'none');
    }
    if (!route) return reply(404, notFound, 'none');
    const interaction = route.data?.interaction ?? 'operation';
    const resourceType = route.params.resourceType;
    if (resourceType !== undefined && !isResourceType(resourceType))
      return reply(404, issue('not-found', 'Unknown resource type'), interaction);

    if (BODY_INTERACTIONS.has(interaction) && req.body === undefined) {
      const contentType = header(req, 'content-type');
      return contentType && !/json/i.test(contentType)
        ? reply(415, unsupportedMediaType, interaction)
        : reply(400, badRequest('Missing request body'), interaction);
    }

    // A conditional write whose criteria match nothing by mistake would create a duplicate or
    // silently do nothing, so its criteria get the same checks as a search.
    const conditional = conditionalCriteria(
      interaction,
      route.params.id,
      route.query,
      header(req, 'if-none-exist'),
    );
    if (conditional && resourceType !== undefined && isResourceType(resourceType)) {
      const problem =
        Object.keys(conditional).length === 0
          ? badRequest('A conditional update, patch or delete needs search criteria')
          : checkSearchParameters(resourceType, conditional);
      if (problem) return reply(400, problem, interaction);
    }

    let url = req.url;
    let body: unknown = req.body;
    let paged: PagedQuery | undefined;
    if (interaction === 'search-type' || interaction === 'search-system') {
      const formBody = method === 'POST' && isPlainObject(req.body) ? (req.body as QueryValues) : {};
      const query: QueryValues = { ...(route.query ?? {}), ...formBody };
      if (resourceType !== undefined && isResourceType(resourceType)) {
        const problem = checkSearchParameters(resourceType, query);
        if (problem) return reply(400, problem, interaction);
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
    if (!isOk(outcome) || !resource) return reply(status, outcome, interaction);

    const base = req.baseUrl.replace(/\/+$/, '');
    if (resource.resourceType === 'Bundle') {
      addFullUrls(resource, base);
      if (paged) {
        resource.link = pageLinks(
          `${base}${path === '/' ? '' : path.replace(/\/_search$/, '')}`,
          paged,
          resource.total,
        );
      }
      if (interaction === 'batch') {
        annotateBatchResponse(resource);
        addBatchSearchLinks(body as Bundle, resource, base, paging);
      }
      return reply(status, resource, interaction);
    }

    const headers: Record<string, string> = {};
    const versionId = resource.meta?.versionId;
    if (VERSIONED_INTERACTIONS.has(interaction) && versionId && resource.id) {
      headers.etag = `W/"${versionId}"`;
      const lastUpdated = resource.meta?.lastUpdated;
      if (lastUpdated) headers['last-modified'] = new Date(lastUpdated).toUTCString();
      if (interaction === 'read' && matchesIfNoneMatch(header(req, 'if-none-match'), versionId))
        return reply(304, undefined, interaction, headers);
      if (interaction === 'update' && !existedBefore) status = 201;
      if (status === 201)
        headers.location = `${base}/${resource.resourceType}/${resource.id}/_history/${versionId}`;
    }
    return reply(status, resource, interaction, headers);
  };
}

/** 5xx outcomes are replaced by a generic one, so that no internals leak. */
function respond(
  status: number,
  body: Resource | undefined,
  route: string,
  headers: Record<string, string>,
): FhirHttpResponse {
  const payload = status >= 500 && body?.resourceType === 'OperationOutcome' ? genericServerError : body;
  return { status, headers, route, ...(payload ? { body: payload } : {}) };
}

function header(req: FhirHttpRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
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

/**
 * Paging links on the searchsets a batch returns for its GET entries, as on a top-level search:
 * without them a client could not tell a first page from the whole result. The router leaves a
 * batch entry's search unbounded unless it names `_count`; the links follow that `_count`.
 */
function addBatchSearchLinks(request: Bundle, response: Bundle, base: string, paging: PagingOptions): void {
  for (const [i, entry] of (request.entry ?? []).entries()) {
    const result = response.entry?.[i]?.resource;
    const url = entry?.request?.url;
    if (entry?.request?.method !== 'GET' || !url || result?.resourceType !== 'Bundle') continue;
    if (result.type !== 'searchset' || result.link?.length) continue;
    const queryStart = url.indexOf('?');
    const path = (queryStart < 0 ? url : url.slice(0, queryStart)).replace(/^\/+/, '');
    if (!/^[A-Z][A-Za-z]+$/.test(path)) continue;
    const query = toQueryValues(new URLSearchParams(queryStart < 0 ? '' : url.slice(queryStart + 1)));
    if (query._count === undefined) continue;
    const paged = pageQuery(query, { ...paging, maxPageSize: Number.MAX_SAFE_INTEGER });
    result.link = pageLinks(`${base}/${path}`, paged, result.total);
  }
}

function matchesIfNoneMatch(value: string | undefined, versionId: string): boolean {
  if (!value) return false;
  return value
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
