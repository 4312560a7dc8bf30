/**
 * Bounded reads for the UI: every search goes through the one pager (`searchAll`, src/fhir/
 * gateway.ts) with a bounded `_count`; what a list of gaps points at is read by id in batches
 * of 250 reads (`GET Type/id`, the batch interaction the service's own context read already
 * needs), or searched in chunks of values (`beneficiary=a,b,c`), a few requests at a time:
 * never one `_include` whose size grows with the list (a server refuses or truncates includes
 * beyond its limit: Medplum at 1,000).
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { searchAll, type FhirGateway } from '../../fhir/gateway.ts';

/** Reads in one batch. */
const BATCH_READS = 250;
/** Characters of ids in one query: well under the 8 KiB request lines servers accept. */
const ID_BUDGET = 2_500;
/** Searches in flight at once: the FHIR server serves clinicians too. */
const PARALLEL = 4;

export interface Found {
  readonly resources: Resource[];
  /** True when a search stopped at its page cap with more pages left. */
  readonly truncated: boolean;
}

/** Every page of a search up to `maxPages`, matches and includes together. */
export async function searchFound(gateway: FhirGateway, query: string, maxPages: number): Promise<Found> {
  const found = await searchAll(gateway, query, { maxPages });
  return { resources: [...found.matches, ...found.included], truncated: found.truncated };
}

/** Values grouped so that each group, comma-joined, stays within the budget. */
export function chunkValues(values: readonly string[], budget = ID_BUDGET): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const v of values) {
    const cost = encodeURIComponent(v).length + 3;
    if (current.length && size + cost > budget) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(v);
    size += cost;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/** Runs the jobs with at most `limit` in flight; results in job order. */
export async function inPool<T>(jobs: readonly (() => Promise<T>)[], limit = PARALLEL): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i];
      if (job) results[i] = await job();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

export interface ByValues {
  /** Resource type searched. */
  readonly type: string;
  /** Search parameter the values go into (`_id`, `beneficiary`, `focus`...). */
  readonly param: string;
  readonly values: readonly string[];
  /** More of the query (`&_include=...`), already encoded. */
  readonly extra?: string;
}

/**
 * Searches of the form `Type?param=v1,v2,...`, one per chunk of values, as jobs for `inPool`.
 * Each asks for as many results per page as it has values, so one page usually holds all.
 */
export function searchJobs(gateway: FhirGateway, s: ByValues): (() => Promise<Found>)[] {
  return chunkValues(s.values).map((chunk) => () => {
    const query =
      `${s.type}?${s.param}=${chunk.map(encodeURIComponent).join(',')}` +
      `${s.extra ?? ''}&_count=${Math.max(chunk.length, 50)}`;
    return searchFound(gateway, query, 50);
  });
}

/** Runs several value searches together, pooled; everything they found, in one list. */
export async function readByValues(gateway: FhirGateway, searches: readonly ByValues[]): Promise<Found> {
  const jobs = searches.flatMap((s) => searchJobs(gateway, s));
  const found = await inPool(jobs);
  return {
    resources: found.flatMap((f) => f.resources),
    truncated: found.some((f) => f.truncated),
  };
}

/**
 * Resources by reference (`Type/id`, each once), read in batches. What the server does not
 * return (deleted, or not visible to the service) is left out: the rows show what is known.
 */
export async function readByIds(gateway: FhirGateway, refs: readonly string[]): Promise<Resource[]> {
  const unique = [...new Set(refs)];
  const jobs: (() => Promise<Resource[]>)[] = [];
  for (let i = 0; i < unique.length; i += BATCH_READS) {
    const chunk = unique.slice(i, i + BATCH_READS);
    jobs.push(async () => {
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'batch',
        entry: chunk.map((url) => ({ request: { method: 'GET', url } })),
      };
      const response = await gateway.batch(bundle);
      return (response.entry ?? [])
        .filter((e) => e.response?.status?.startsWith('2') && e.resource)
        .map((e) => e.resource as Resource);
    });
  }
  return (await inPool(jobs)).flat();
}
