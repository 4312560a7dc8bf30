/**
 * Writes a plan (docs/writes.md). A plan the server accepts as one transaction goes as one
 * transaction. A larger one — Medplum's router refuses a transaction of more than 8 entries when
 * any is conditional, and of more than 50 updates (FHIR-NOTES "Transaction limits") — goes in two
 * ordered steps: the Claim alone in a transaction (so that its id is known), then every other
 * entry in one batch that names the Claim by that id. Each entry is idempotent on its own
 * (conditional create by identifier, `If-Match` on updates and deletes), so a replay, a second
 * replica or a retry after a failure between the steps converges on the same resources.
 */
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { VialwiseError } from '../domain/errors.ts';
import { localRef } from '../domain/fhir-values.ts';
import type { FhirGateway } from '../fhir/gateway.ts';
import type { WritePlan } from '../fhir/plan.ts';

/** Medplum's router (fhir-router 5): entries of a transaction needing strict isolation, updates of any. */
export const TRANSACTION_LIMITS = { strictEntries: 8, updates: 50 } as const;

export interface WriteResult {
  /** HTTP requests the writes took (0 when the plan was empty). */
  readonly requests: number;
  /** True when an `If-Match` update or delete lost against another writer (HTTP 412): re-read and re-plan. */
  readonly conflicted: boolean;
  /** `transaction` (one request) or `claim-then-batch` (two). */
  readonly strategy: 'none' | 'transaction' | 'claim-then-batch' | 'batch';
}

function isConditional(e: BundleEntry): boolean {
  const r = e.request;
  if (!r) return false;
  if (r.method === 'POST') return !!r.ifNoneExist;
  return (r.method === 'PUT' || r.method === 'DELETE' || r.method === 'PATCH') && r.url.includes('?');
}

/** True when Medplum's router (the strictest server vialwise knows) accepts the entries as one transaction. */
export function fitsOneTransaction(entries: readonly BundleEntry[]): boolean {
  const updates = entries.filter((e) => e.request?.method === 'PUT').length;
  if (updates > TRANSACTION_LIMITS.updates) return false;
  return !entries.some(isConditional) || entries.length <= TRANSACTION_LIMITS.strictEntries;
}

const isClaimEntry = (e: BundleEntry) =>
  e.resource?.resourceType === 'Claim' || e.request?.url?.startsWith('Claim') === true;

/** Replaces every `reference` equal to `from` (in place). */
function replaceReference(value: unknown, from: string, to: string): void {
  if (!value || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) replaceReference(v, from, to);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(record)) {
    if (key === 'reference' && v === from) record[key] = to;
    else if (v && typeof v === 'object') replaceReference(v, from, to);
  }
}

/**
 * Checks each entry's status: a 412 is a conflict to resolve by re-reading; any other failure is
 * the server refusing vialwise's write, which is never the notification sender's fault.
 */
function checkResponse(response: Bundle, entries: readonly BundleEntry[]): boolean {
  let conflicted = false;
  for (const [i, e] of (response.entry ?? []).entries()) {
    const status = e.response?.status ?? '';
    if (status.startsWith('412')) conflicted = true;
    else if (!/^2\d\d/.test(status)) {
      const request = entries[i]?.request;
      throw new VialwiseError(
        'fhir-refused',
        `${request?.method ?? '?'} ${request?.url?.split('?')[0] ?? '?'} answered ${status.slice(0, 3) || 'no status'}`,
      );
    }
  }
  return conflicted;
}

/** Gives created resources their server ids, so the API answer shows them. */
function adoptIds(response: Bundle, entries: readonly BundleEntry[]): void {
  for (const [i, entry] of entries.entries()) {
    const answered = response.entry?.[i];
    // A conditional create that matched answers 200, with or without a location.
    const id = localRef(answered?.response?.location)?.split('/')[1] ?? answered?.resource?.id;
    if (entry.request?.method === 'POST' && entry.resource && id) entry.resource.id = id;
  }
}

export async function writePlan(gateway: FhirGateway, plan: WritePlan): Promise<WriteResult> {
  const entries = plan.entries;
  if (entries.length === 0) return { requests: 0, conflicted: false, strategy: 'none' };
  if (fitsOneTransaction(entries)) {
    const response = await gateway.transaction({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: entries,
    });
    const conflicted = checkResponse(response, entries);
    if (!conflicted) adoptIds(response, entries);
    return { requests: 1, conflicted, strategy: 'transaction' };
  }

  // Step 1: the Claim (create, update or delete of the draft) on its own.
  const claimStep = entries.filter((e) => isClaimEntry(e) && e.request?.method !== 'DELETE').slice(0, 1);
  const rest = entries.filter((e) => !claimStep.includes(e));
  let requests = 0;
  if (claimStep.length) {
    requests++;
    const response = await gateway.transaction({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: claimStep,
    });
    if (checkResponse(response, claimStep))
      return { requests, conflicted: true, strategy: 'claim-then-batch' };
    adoptIds(response, claimStep);
    const created = claimStep[0];
    const id = created?.resource?.id;
    if (created?.fullUrl && id) replaceReference(rest, created.fullUrl, `Claim/${id}`);
  }
  // Step 2: everything else, each entry on its own.
  requests++;
  const response = await gateway.batch({ resourceType: 'Bundle', type: 'batch', entry: rest });
  const conflicted = checkResponse(response, rest);
  adoptIds(response, rest);
  return { requests, conflicted, strategy: claimStep.length ? 'claim-then-batch' : 'batch' };
}
