/**
 * The FHIR gateway: a MedplumClient set up for any R4 server (no Medplum-only paths or headers,
 * no cache) over the retrying, counting fetch of http-fetch.ts.
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

export interface FhirGateway {
  readonly baseUrl: string;
  readonly client: MedplumClient;
  /** POST a batch or transaction Bundle to the base. */
  bundle(bundle: Bundle): Promise<Bundle>;
  /** GET a path below the base (e.g. `Encounter?_lastUpdated=gt...`), returning a Bundle. */
  searchUrl(pathAndQuery: string): Promise<Bundle>;
  read<T extends Resource>(type: T['resourceType'], id: string): Promise<T>;
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
  return {
    baseUrl,
    client,
    bundle: (b) => client.executeBatch(b),
    searchUrl: (pathAndQuery) =>
      client.get<Bundle>(`${baseUrl}/${pathAndQuery.replace(/^\/+/, '')}`, { cache: 'no-cache' }),
    read: <T extends Resource>(type: T['resourceType'], id: string) =>
      client.readResource(type, id) as unknown as Promise<T>,
    metadata: () => client.get<CapabilityStatement>(`${baseUrl}/metadata`, { cache: 'no-cache' }),
  };
}

/** True for errors meaning "try again later" (server down, slow, overloaded). */
export function isUnavailable(err: unknown): boolean {
  return err instanceof FhirUnavailableError;
}

/** True when the server rejected a version-checked update (HTTP 412). */
export function isPreconditionFailed(err: unknown): boolean {
  return err instanceof OperationOutcomeError && err.outcome.id === 'precondition-failed';
}
