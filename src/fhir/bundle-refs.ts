/**
 * References inside a Bundle resolved through `fullUrl` (FHIR R4 Bundle, "Resolving references
 * in Bundles", http://hl7.org/fhir/R4/bundle.html#references): an EHR's transaction or
 * notification Bundle names its resources by `urn:uuid:`, and the resources point at each other
 * that way. After `resolveBundleReferences` every such reference reads `Type/id`, so the engine
 * sees one form only (absolute references already read as `Type/id` through `localRef`). A
 * resource without an id gets the id its `urn:uuid:` names (a UUID is a valid FHIR id); one that
 * has an id keeps it.
 */
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { FHIR_ID } from '../domain/vocabulary.ts';

const URN_UUID = /^urn:uuid:([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

/** `Type/id` each entry's `fullUrl` stands for, from the entries' own resources. */
function fullUrlTargets(entries: readonly BundleEntry[]): Map<string, string> {
  const targets = new Map<string, string>();
  for (const entry of entries) {
    const fullUrl = entry?.fullUrl;
    const resource = entry?.resource;
    if (typeof fullUrl !== 'string' || !resource || typeof resource.resourceType !== 'string') continue;
    const id = typeof resource.id === 'string' && FHIR_ID.test(resource.id) ? resource.id : undefined;
    const uuid = URN_UUID.exec(fullUrl)?.[1]?.toLowerCase();
    if (uuid) targets.set(fullUrl, `${resource.resourceType}/${id ?? uuid}`);
  }
  return targets;
}

/** Rewrites every `reference` string found in `value` (in place) that names a target. */
function rewrite(value: unknown, targets: ReadonlyMap<string, string>, depth = 0): void {
  // Bodies reaching here passed the nesting check (64 levels); stop well past it regardless.
  if (!value || typeof value !== 'object' || depth > 256) return;
  if (Array.isArray(value)) {
    for (const v of value) rewrite(v, targets, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(record)) {
    if (key === 'reference' && typeof v === 'string') {
      const target = targets.get(v);
      if (target) record[key] = target;
    } else if (v && typeof v === 'object') rewrite(v, targets, depth + 1);
  }
}

/**
 * A copy of the Bundle whose references between its own entries read `Type/id`, and whose
 * resources named only by a `urn:uuid:` carry that UUID as their id. Bundles nested in entries
 * (the searchsets of a batch response) are resolved each on their own.
 */
export function resolveBundleReferences<T extends Bundle>(bundle: T): T {
  // A server's search pages carry none: the common case costs one look at each fullUrl.
  if (!namesByUrn(bundle)) return bundle;
  const copy = structuredClone(bundle);
  resolveInPlace(copy);
  return copy;
}

function namesByUrn(bundle: Bundle): boolean {
  return (Array.isArray(bundle.entry) ? bundle.entry : []).some(
    (e) =>
      (typeof e?.fullUrl === 'string' && e.fullUrl.startsWith('urn:uuid:')) ||
      (e?.resource?.resourceType === 'Bundle' && namesByUrn(e.resource)),
  );
}

function resolveInPlace(bundle: Bundle): void {
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  const targets = fullUrlTargets(entries);
  for (const entry of entries) {
    const resource = entry?.resource;
    if (!resource || typeof resource !== 'object') continue;
    if (resource.resourceType === 'Bundle') {
      resolveInPlace(resource);
      continue;
    }
    const uuid = typeof entry.fullUrl === 'string' ? URN_UUID.exec(entry.fullUrl)?.[1] : undefined;
    if (uuid && resource.id === undefined) resource.id = uuid.toLowerCase();
    if (targets.size) rewrite(resource, targets);
  }
}
