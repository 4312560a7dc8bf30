/**
 * The FHIR gateway: the one interface through which vialwise talks to a FHIR server, and its
 * implementation over MedplumClient for any R4 server (no Medplum-only paths or headers, no
 * cache) with the retrying, counting fetch of http-fetch.ts.
 */
import { MedplumClient, OperationOutcomeError } from '@medplum/core';
import type { Bundle, CapabilityStatement, Resource } from '@medplum/fhirtypes';
import {
  createFhirFetch,
  FhirUnavailableError,
  type FetchHooks,
  type RetryPolicy,
  type TokenSource,
} from './http-fetch.ts';
import { collectPage, pagesAfter, type SearchResult } from './pager.ts';

export interface FhirGateway {
  /** The FHIR base URL, without a trailing slash. */
  readonly baseUrl: string;
  read<T extends Resource>(type: T['resourceType'], id: string): Promise<T>;
  /**
   * Every page of a search (or of a `_history`), the first one included, following `next`
   * links through the pager. Lazy: stop iterating and no further page is read.
   */
  searchPages(pathAndQuery: string): AsyncIterable<Bundle>;
  /** The pages after one already read (a search inside a batch response). */
  pagesAfter(page: Bundle): AsyncIterable<Bundle>;
  /** POST a `batch` Bundle to the base. */
  batch(bundle: Bundle): Promise<Bundle>;
  /** POST a `transaction` Bundle to the base. */
  transaction(bundle: Bundle): Promise<Bundle>;
  /** Create; with `ifNoneExist`, a conditional create that returns the existing match. */
  create<T extends Resource>(resource: T, options?: { readonly ifNoneExist?: string }): Promise<T>;
  /** Update by id; with `ifMatch` (a version id), a 412 when someone else wrote first. */
  update<T extends Resource>(resource: T, options?: { readonly ifMatch?: string }): Promise<T>;
  metadata(): Promise<CapabilityStatement>;
}

export interface GatewayOptions {
  readonly baseUrl: string;
  readonly tokens?: TokenSource;
  readonly retry?: RetryPolicy;
  readonly hooks?: FetchHooks;
}

export function createGateway(opts: GatewayOptions): FhirGateway {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const fetchImpl = createFhirFetch({
    ...(opts.retry ? { retry: opts.retry } : {}),
    ...(opts.tokens ? { tokens: opts.tokens } : {}),
    ...(opts.hooks ? { hooks: opts.hooks } : {}),
  });
  const client = new MedplumClient({
    baseUrl: baseUrl + '/',
    fhirUrlPath: '',
    extendedMode: false,
    cacheTime: 0,
    // Retries live in our fetch (it honours Retry-After); the client must not retry again.
    maxRetries: 0,
    // Resolved at call time so test interceptors that replace globalThis.fetch still see requests.
    fetch: (url: string, init?: RequestInit) => fetchImpl(url, init),
    onUnauthenticated: () => undefined,
  });
  const get = (pathAndQuery: string) =>
    client.get<Bundle>(`${baseUrl}/${pathAndQuery.replace(/^\/+/, '')}`, { cache: 'no-cache' });
  const gateway: FhirGateway = {
    baseUrl,
    read: <T extends Resource>(type: T['resourceType'], id: string) =>
      client.readResource(type, id) as unknown as Promise<T>,
    async *searchPages(pathAndQuery) {
      const first = await get(pathAndQuery);
      yield first;
      yield* pagesAfter(baseUrl, first, get);
    },
    pagesAfter: (page) => pagesAfter(baseUrl, page, get),
    batch: (b) => client.executeBatch({ ...b, type: 'batch' }),
    transaction: (b) => client.executeBatch({ ...b, type: 'transaction' }),
    create: async <T extends Resource>(resource: T, options?: { readonly ifNoneExist?: string }) =>
      (options?.ifNoneExist
        ? await client.createResourceIfNoneExist(resource, options.ifNoneExist)
        : await client.createResource(resource)) as T,
    update: async <T extends Resource>(resource: T, options?: { readonly ifMatch?: string }) =>
      (await client.updateResource(
        resource,
        options?.ifMatch ? { headers: { 'If-Match': `W/"${options.ifMatch}"` } } : undefined,
      )) as T,
    metadata: () => client.get<CapabilityStatement>(`${baseUrl}/metadata`, { cache: 'no-cache' }),
  };
  return gateway;
}

/**
 * Every page of a search as matches and includes; with `maxPages`, stops there and says so.
 */
export async function searchAll(
  gateway: FhirGateway,
  pathAndQuery: string,
  options: { readonly maxPages?: number } = {},
): Promise<SearchResult> {
  const into = { matches: [], included: [] };
  let pages = 0;
  for await (const page of gateway.searchPages(pathAndQuery)) {
    collectPage(page, into);
    pages++;
    if (options.maxPages !== undefined && pages >= options.maxPages) {
      const more = page.link?.some((l) => l?.relation === 'next') ?? false;
      return { ...into, truncated: more, pages };
    }
  }
  return { ...into, truncated: false, pages };
}

/** The first page of a search or history (e.g. `_history?_count=2`). */
export async function firstPage(gateway: FhirGateway, pathAndQuery: string): Promise<Bundle> {
  for await (const page of gateway.searchPages(pathAndQuery)) return page;
  return { resourceType: 'Bundle', type: 'searchset' };
}

/** True for errors meaning "try again later" (server down, slow, overloaded). */
export function isUnavailable(err: unknown): boolean {
  return err instanceof FhirUnavailableError;
}

/** True when the server rejected a version-checked update (HTTP 412). */
export function isPreconditionFailed(err: unknown): boolean {
  return err instanceof OperationOutcomeError && err.outcome.id === 'precondition-failed';
}
