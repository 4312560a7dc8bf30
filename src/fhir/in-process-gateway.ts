/**
 * A FhirGateway over a FHIR server's request handler in the same process (the embedded server's
 * `createFhirHandler`): no socket, and the same answers a client gets over HTTP — version ids and
 * ETags, `If-Match` and 412, conditional create, paging by next links, and errors raised as
 * MedplumClient raises them (OperationOutcomeError with the outcome id its status implies,
 * FhirUnavailableError for 5xx). Bodies are copied both ways, as a wire would copy them.
 * The service runs on it in tests and benchmarks; test/integration/gateway-contract.test.ts runs
 * the same checks against it and against the MedplumClient gateway over HTTP.
 */
import type { Bundle, CapabilityStatement, Resource } from '@medplum/fhirtypes';
import type { FhirGateway } from './gateway.ts';
import { FhirUnavailableError, type FetchHooks } from './http-fetch.ts';
import { upstreamError } from './outcomes.ts';
import { pagesAfter } from './pager.ts';

/** What the handler takes and gives (the embedded server's FhirHttpRequest and FhirHttpResponse). */
export interface InProcessRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  readonly baseUrl: string;
}
export interface InProcessResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Resource;
}
export type InProcessHandler = (request: InProcessRequest) => Promise<InProcessResponse>;

export interface InProcessGatewayOptions {
  readonly handle: InProcessHandler;
  /**
   * The base URL written into links and `fullUrl`s. It is never connected to; the reserved
   * `.invalid` name (RFC 6761) says so.
   */
  readonly baseUrl?: string;
  readonly hooks?: FetchHooks;
}

export const IN_PROCESS_BASE_URL = 'http://fhir.in-process.invalid/fhir/R4';

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function createInProcessGateway(opts: InProcessGatewayOptions): FhirGateway {
  const baseUrl = (opts.baseUrl ?? IN_PROCESS_BASE_URL).replace(/\/+$/, '');

  async function call<T extends Resource>(
    method: string,
    pathAndQuery: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const started = performance.now();
    let response: InProcessResponse;
    try {
      response = await opts.handle({
        method,
        url: '/' + pathAndQuery.replace(/^\/+/, ''),
        headers: { accept: 'application/fhir+json', ...headers },
        ...(body === undefined ? {} : { body: copy(body) }),
        baseUrl,
      });
    } catch {
      // The handler failing outright is what a refused connection is over HTTP.
      opts.hooks?.onRequest?.(0, performance.now() - started);
      throw new FhirUnavailableError('FHIR server unreachable');
    }
    opts.hooks?.onRequest?.(response.status, performance.now() - started);
    if (response.status >= 500)
      throw new FhirUnavailableError(`FHIR server answered ${response.status}`, response.status);
    if (response.status >= 400) throw upstreamError(response.status, response.body);
    return (response.body === undefined ? undefined : copy(response.body)) as T;
  }

  const get = (pathAndQuery: string) => call<Bundle>('GET', pathAndQuery);
  return {
    baseUrl,
    read: <T extends Resource>(type: T['resourceType'], id: string) =>
      call<T>('GET', `${type}/${encodeURIComponent(id)}`),
    async *searchPages(pathAndQuery) {
      const first = await get(pathAndQuery);
      yield first;
      yield* pagesAfter(baseUrl, first, get);
    },
    pagesAfter: (page) => pagesAfter(baseUrl, page, get),
    batch: (b) => call<Bundle>('POST', '', { ...b, type: 'batch' }),
    transaction: (b) => call<Bundle>('POST', '', { ...b, type: 'transaction' }),
    create: <T extends Resource>(resource: T, options?: { readonly ifNoneExist?: string }) =>
      call<T>(
        'POST',
        resource.resourceType,
        resource,
        options?.ifNoneExist ? { 'if-none-exist': options.ifNoneExist } : {},
      ),
    update: <T extends Resource>(resource: T, options?: { readonly ifMatch?: string }) =>
      call<T>(
        'PUT',
        `${resource.resourceType}/${encodeURIComponent(resource.id ?? '')}`,
        resource,
        options?.ifMatch ? { 'if-match': `W/"${options.ifMatch}"` } : {},
      ),
    metadata: () => call<CapabilityStatement>('GET', 'metadata'),
  };
}
