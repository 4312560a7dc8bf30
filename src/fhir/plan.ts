/**
 * What to write for one evaluation: compare the Claim and DetectedIssues that should exist with
 * those on the server and emit only the changes, as entries with conditional creates and
 * version-checked updates (docs/writes.md). Pure.
 */
import type { Bundle, BundleEntry, Claim, DetectedIssue, Resource } from '@medplum/fhirtypes';
import type { Evaluation } from '../domain/types.ts';
import {
  buildClaim,
  buildDetectedIssue,
  claimIdentifierValue,
  closedIssue,
  gapKeyOf,
  isClaimOf,
  isDraft,
  isSubmitted,
  priceBasisOf,
  voidedIssue,
  type ClaimSources,
  type WriteContext,
} from './codec/index.ts';
import { CLAIM_DRAFT_SID, GAP_SID } from '../domain/vocabulary.ts';

export interface ExistingWrites {
  readonly claims: readonly Claim[];
  readonly issues: readonly DetectedIssue[];
  /** `MedicationAdministration/<id>` of every administration of the Encounter that still exists. */
  readonly administrations?: readonly string[];
}

export interface WritePlan {
  readonly entries: BundleEntry[];
  /** The Claim as it should be (also when nothing changed), for the API response. */
  readonly claim?: Claim;
  readonly issues: DetectedIssue[];
  readonly counts: {
    claim: 'create' | 'update' | 'delete' | 'none';
    opened: number;
    updated: number;
    closed: number;
    enteredInError: number;
    kept: number;
    duplicatesRemoved: number;
  };
}

const IGNORED = new Set(['meta', 'id', 'text']);

/** Deterministic JSON with sorted keys, for "did anything change" comparisons. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => {
    if (IGNORED.has(key)) return undefined;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
      );
    }
    return v;
  });
}

/** The resource under the server's id (none when the server gave none). */
function withId<T extends Resource>(resource: T, id: string | undefined): T {
  return id === undefined ? resource : { ...resource, id };
}

/** The price-basis tags of a resource, as a comparable string. */
function tagsOf(r: Resource): string {
  return priceBasisOf(r).join('|');
}

function versionOf(r: Resource): string | undefined {
  return r.meta?.versionId;
}

function update<T extends Resource & { id?: string }>(existing: T, next: T): BundleEntry {
  const vid = versionOf(existing);
  return {
    resource: withId(next, existing.id),
    request: {
      method: 'PUT',
      url: `${next.resourceType}/${existing.id ?? ''}`,
      ...(vid ? { ifMatch: `W/"${vid}"` } : {}),
    },
  };
}

/** Ordered by id, which never changes, so that every replica picks the same survivor. */
function survivorsFirst<T extends Resource>(xs: T[]): T[] {
  return [...xs].sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''));
}

function remove(r: Resource): BundleEntry {
  const vid = versionOf(r);
  return {
    request: {
      method: 'DELETE',
      url: `${r.resourceType}/${r.id ?? ''}`,
      ...(vid ? { ifMatch: `W/"${vid}"` } : {}),
    },
  };
}

/**
 * `sources` is the Encounter with the resources read beside it (an EncounterInput will do): the
 * Claim takes its payer, care team and facility from them.
 */
export function planWrites(
  evaluation: Evaluation,
  sources: ClaimSources,
  existing: ExistingWrites,
  ctx: WriteContext,
): WritePlan {
  const { encounter } = sources;
  const encounterId = encounter.id ?? '';
  const entries: BundleEntry[] = [];
  const counts: WritePlan['counts'] = {
    claim: 'none',
    opened: 0,
    updated: 0,
    closed: 0,
    enteredInError: 0,
    kept: 0,
    duplicatesRemoved: 0,
  };
  const claimId = claimIdentifierValue(encounterId);
  const ours = existing.claims.filter((c) => isClaimOf(c, encounterId));
  // A server whose conditional create is not atomic can end up with two drafts for one
  // identifier: every replica keeps the same one (lowest id) and deletes the others.
  const drafts = survivorsFirst(ours.filter(isDraft));
  const draft = drafts[0];
  for (const extra of drafts.slice(1)) entries.push(remove(extra));
  counts.duplicatesRemoved += drafts.length > 1 ? drafts.length - 1 : 0;
  const submitted = survivorsFirst(ours.filter(isSubmitted))[0];

  // The Claim: created when there are lines, kept in step while draft, never touched once submitted.
  let claim: Claim | undefined;
  let claimRef: string | undefined;
  const next = evaluation.lines.length ? buildClaim(evaluation, sources, ctx, draft?.created) : undefined;
  if (draft && !next) {
    // Nothing left to bill (every line voided) or nobody to bill (the Coverage is gone): a draft
    // that was never submitted is removed rather than left stale; the gaps say why.
    entries.push(remove(draft));
    counts.claim = 'delete';
  } else if (draft && next) {
    claimRef = `Claim/${draft.id ?? ''}`;
    claim = withId(next, draft.id);
    // meta is left out of the comparison (the server writes versionId and lastUpdated there),
    // but the price-basis tags are vialwise's: a change of them alone is a change.
    if (canonical(next) !== canonical(draft) || tagsOf(next) !== tagsOf(draft)) {
      entries.push(update(draft, next));
      counts.claim = 'update';
    }
  } else if (!submitted && next) {
    claim = next;
    claimRef = 'urn:uuid:' + uuidFor(`claim:${claimId}`);
    entries.push({
      fullUrl: claimRef,
      resource: next,
      // Conditional on a draft: a cancelled Claim with the same identifier must not block a new one.
      request: {
        method: 'POST',
        url: 'Claim',
        ifNoneExist: `identifier=${CLAIM_DRAFT_SID}|${claimId}&status=draft`,
      },
    });
    counts.claim = 'create';
  } else if (submitted?.id) {
    // The gaps point at the Claim that was billed; a cancelled one is not it.
    claimRef = `Claim/${submitted.id}`;
  }

  // DetectedIssues: open, keep, reopen, close or mark entered-in-error.
  const byIdentifier = new Map<string, DetectedIssue>();
  for (const i of survivorsFirst([...existing.issues])) {
    const v = gapKeyOf(i);
    if (!v || !v.startsWith(`${encounterId}:`)) continue;
    if (byIdentifier.has(v)) {
      entries.push(remove(i));
      counts.duplicatesRemoved++;
    } else byIdentifier.set(v, i);
  }
  const desired = new Set<string>();
  const issues: DetectedIssue[] = [];
  for (const gap of evaluation.gaps) {
    const fresh = buildDetectedIssue(gap, evaluation, encounterId, ctx, claimRef);
    const key = gapKeyOf(fresh) as string;
    desired.add(key);
    const current = byIdentifier.get(key);
    if (!current) {
      entries.push({
        resource: fresh,
        request: { method: 'POST', url: 'DetectedIssue', ifNoneExist: `identifier=${GAP_SID}|${key}` },
      });
      issues.push(fresh);
      counts.opened++;
      continue;
    }
    // Keep when it was first identified and the clinicians' acknowledgements.
    const next: DetectedIssue = {
      ...fresh,
      ...(current.identifiedDateTime ? { identifiedDateTime: current.identifiedDateTime } : {}),
      ...(current.status === 'preliminary' && current.mitigation?.length
        ? { mitigation: current.mitigation }
        : {}),
    };
    issues.push(withId(next, current.id));
    if (canonical(next) === canonical(current) && tagsOf(next) === tagsOf(current)) counts.kept++;
    else {
      entries.push(update(current, next));
      counts.updated++;
    }
  }
  const enteredInError = new Set(evaluation.enteredInError);
  const present = existing.administrations ? new Set(existing.administrations) : undefined;
  // An issue about an administration entered in error, or deleted, was never a real gap.
  const voided = (ref: string | undefined) =>
    ref !== undefined &&
    (enteredInError.has(ref) ||
      (present !== undefined && ref.startsWith('MedicationAdministration/') && !present.has(ref)));
  for (const [key, current] of byIdentifier) {
    if (desired.has(key) || current.status !== 'preliminary') continue;
    const implicatesVoided = (current.implicated ?? []).some((r) => voided(r.reference));
    if (implicatesVoided) {
      entries.push(update(current, voidedIssue(current)));
      counts.enteredInError++;
    } else {
      entries.push(update(current, closedIssue(current, ctx.now)));
      counts.closed++;
    }
  }
  return { entries, ...(claim ? { claim } : {}), issues, counts };
}

export function transactionBundle(entries: BundleEntry[]): Bundle {
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

/** A stable UUID-shaped id derived from a string, so the same plan is byte-identical. */
function uuidFor(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    h1 = Math.imul(h1 ^ s.charCodeAt(i), 16777619) >>> 0;
    h2 = Math.imul(h2 ^ s.charCodeAt(i), 2246822507) >>> 0;
  }
  const hex = (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).repeat(2);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
