/**
 * What the HTTP layer adds to searches that MemoryRepository leaves out: a default page size with
 * a cap, `Bundle.link` paging by `_offset`, `fullUrl` on entries, and a 400 for search parameters
 * the repository would silently treat as "match nothing".
 */
import { badRequest, getSearchParameter, Operator, parseSearchRequest } from '@medplum/core';
import type { Bundle, BundleEntry, BundleLink, OperationOutcome, ResourceType } from '@medplum/fhirtypes';

/** The search parameter types `matchesSearchRequest` evaluates; number, quantity, composite and special never match. */
export const SUPPORTED_SEARCH_PARAM_TYPES: ReadonlySet<string> = new Set([
  'token',
  'reference',
  'string',
  'uri',
  'date',
]);

/** Query parameters about the response format, which the router does not understand and we ignore. */
const FORMAT_PARAMS = new Set(['_format', '_pretty']);

export interface PagingOptions {
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
}

export type QueryValues = Record<string, string | string[] | undefined>;

export interface PagedQuery {
  /** The query to hand to the router, with `_count` and `_offset` made explicit. */
  readonly params: URLSearchParams;
  readonly count: number;
  readonly offset: number;
}

/** Sets `_count` (default, capped) and `_offset` on a search query and drops `_format`/`_pretty`. */
export function pageQuery(query: QueryValues, options: PagingOptions): PagedQuery {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || FORMAT_PARAMS.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, v);
  }
  const summaryCount = params.getAll('_summary').includes('count');
  const requested = lastInt(params.getAll('_count'));
  const count = summaryCount
    ? 0
    : Math.min(Math.max(requested ?? options.defaultPageSize, 0), options.maxPageSize);
  const offset = Math.max(lastInt(params.getAll('_offset')) ?? 0, 0);
  params.set('_count', String(count));
  params.set('_offset', String(offset));
  return { params, count, offset };
}

function lastInt(values: string[]): number | undefined {
  const last = values.at(-1);
  if (last === undefined || !/^\d+$/.test(last.trim())) return undefined;
  return Number.parseInt(last, 10);
}

/**
 * Rejects what MemoryRepository would silently answer with an empty result: unknown parameters,
 * `_has`, and parameter types it cannot evaluate. A production server (Medplum, HAPI) answers
 * unknown parameters with 400 as well.
 */
export function checkSearchParameters(
  resourceType: ResourceType,
  query: QueryValues,
): OperationOutcome | undefined {
  let request;
  try {
    request = parseSearchRequest(resourceType, query);
  } catch {
    return badRequest('Invalid search request');
  }
  for (const filter of request.filters ?? []) {
    if (filter.code.startsWith('_has:')) {
      return badRequest('Reverse chaining (_has) is not supported by the embedded FHIR server', filter.code);
    }
    const code = (filter.code.split('.')[0] ?? '').split(':')[0] ?? '';
    const param = getSearchParameter(resourceType, code);
    if (!param) {
      return badRequest(`Unknown search parameter: ${code}`, code);
    }
    const presence = filter.operator === Operator.MISSING || filter.operator === Operator.PRESENT;
    if (!presence && !SUPPORTED_SEARCH_PARAM_TYPES.has(param.type)) {
      return badRequest(
        `Search parameter type ${param.type} (${code}) is not supported by the embedded FHIR server`,
        code,
      );
    }
  }
  return undefined;
}

/** `self`, `first`, `previous` and `next` links for one page of a searchset. */
export function pageLinks(searchUrl: string, paged: PagedQuery, total: number | undefined): BundleLink[] {
  const at = (offset: number): string => {
    const params = new URLSearchParams(paged.params);
    params.set('_offset', String(offset));
    return `${searchUrl}?${params.toString()}`;
  };
  const links: BundleLink[] = [
    { relation: 'self', url: at(paged.offset) },
    { relation: 'first', url: at(0) },
  ];
  if (paged.count > 0 && paged.offset > 0) {
    links.push({ relation: 'previous', url: at(Math.max(paged.offset - paged.count, 0)) });
  }
  if (paged.count > 0 && total !== undefined && paged.offset + paged.count < total) {
    links.push({ relation: 'next', url: at(paged.offset + paged.count) });
  }
  return links;
}

/**
 * Gives every entry that holds a resource a `fullUrl`, recursing into the searchsets that a
 * batch returns for its GET entries.
 */
export function addFullUrls(bundle: Bundle, base: string): void {
  if (!bundle.entry) return;
  bundle.entry = bundle.entry.map((entry: BundleEntry | undefined) => {
    const resource = entry?.resource;
    if (!entry || !resource) return entry as BundleEntry;
    if (resource.resourceType === 'Bundle') addFullUrls(resource, base);
    // fullUrl first, as servers usually write it.
    return resource.id && !entry.fullUrl
      ? { fullUrl: `${base}/${resource.resourceType}/${resource.id}`, ...entry }
      : entry;
  });
}
