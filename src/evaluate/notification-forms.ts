/**
 * The notification forms the service accepts (docs/notifications.md): a full resource (Medplum,
 * HAPI with payload), `{}` for a Medplum delete, an R4B Subscriptions Backport Bundle
 * (full-resource or id-only), or an empty body. What a notification names is only a hint of
 * what to re-evaluate: every evaluation reads the FHIR server.
 */
import type { Bundle, Parameters, Resource } from '@medplum/fhirtypes';
import { VialwiseError } from '../domain/errors.ts';
import { localRef } from '../domain/fhir-values.ts';
import { FHIR_ID } from '../domain/vocabulary.ts';
import { resolveBundleReferences } from '../fhir/bundle-refs.ts';
import { parseJsonBody } from './json-body.ts';

export type Notification =
  | { readonly kind: 'empty' }
  | { readonly kind: 'status'; readonly type: string }
  | {
      readonly kind: 'resources';
      readonly form: 'resource' | 'backport-full-resource';
      readonly resources: readonly Resource[];
    }
  | { readonly kind: 'references'; readonly form: 'backport-id-only'; readonly references: readonly string[] }
  | { readonly kind: 'deleted'; readonly reference?: string };

const TYPE = /^[A-Z][A-Za-z]{1,63}$/;
/** Backport notification types are short lower-case codes (handshake, heartbeat, ...). */
const TYPE_CODE = /^[a-z-]{1,32}$/;

function isResource(v: unknown): v is Resource {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const r = v as { resourceType?: unknown; id?: unknown };
  return (
    typeof r.resourceType === 'string' &&
    TYPE.test(r.resourceType) &&
    (r.id === undefined || (typeof r.id === 'string' && FHIR_ID.test(r.id)))
  );
}

/** vialwise's own words for a malformed body (never the body itself). */
export function invalid(text: string): VialwiseError {
  return new VialwiseError('invalid-body', text, { publicText: text });
}

export function parseNotification(
  raw: Buffer,
  headers: { interaction?: string; deletedResource?: string },
): Notification {
  if (raw.length === 0 || raw.toString('utf8').trim() === '') return { kind: 'empty' };
  const body = parseJsonBody(raw);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('Body must be a JSON object');
  if (Object.keys(body).length === 0) {
    if (headers.interaction === 'delete') {
      const ref = localRef(headers.deletedResource);
      return { kind: 'deleted', ...(ref ? { reference: ref } : {}) };
    }
    return { kind: 'empty' };
  }
  if (!isResource(body))
    throw invalid('Body is not a FHIR resource (resourceType or id is missing or invalid)');
  if (body.resourceType === 'Bundle' && isBackport(body)) return parseBackport(resolveBundleReferences(body));
  if (!body.id) throw invalid(`${body.resourceType} has no id`);
  if (headers.interaction === 'delete')
    return { kind: 'deleted', reference: `${body.resourceType}/${body.id}` };
  return { kind: 'resources', form: 'resource', resources: [body] };
}

function isBackport(b: Bundle): boolean {
  return (
    (b.type === 'history' || (b.type as string) === 'subscription-notification') &&
    Array.isArray(b.entry) &&
    b.entry[0]?.resource?.resourceType === 'Parameters'
  );
}

/** The array, or nothing: a signed body can still hold an object or a number where FHIR has a list. */
function list<T>(v: T[] | undefined): unknown[] {
  return Array.isArray(v) ? v : [];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** A relative reference from a string or a Reference, ignoring anything else. */
function refOf(v: unknown): string | undefined {
  if (typeof v === 'string') return localRef(v);
  return isObject(v) && typeof v.reference === 'string' ? localRef(v.reference) : undefined;
}

function parseBackport(b: Bundle): Notification {
  const params = (b.entry?.[0]?.resource ?? {}) as Parameters;
  const parameters = list(params.parameter).filter(isObject);
  const type = parameters.find((p) => p.name === 'type')?.valueCode;
  if (type !== 'event-notification')
    return { kind: 'status', type: typeof type === 'string' && TYPE_CODE.test(type) ? type : 'unknown' };
  const rest = list(b.entry).slice(1).filter(isObject);
  const resources = rest
    .map((e) => e.resource)
    .filter(isResource)
    .filter((r) => r.id);
  if (resources.length) return { kind: 'resources', form: 'backport-full-resource', resources };
  const refs = new Set<string>();
  for (const e of rest) {
    const r = refOf(e.fullUrl) ?? (isObject(e.request) ? refOf(e.request.url) : undefined);
    if (r) refs.add(r);
  }
  for (const p of parameters) {
    if (p.name !== 'notification-event') continue;
    for (const part of list(p.part as unknown[] | undefined).filter(isObject)) {
      const r = part.name === 'focus' ? refOf(part.valueReference) : undefined;
      if (r) refs.add(r);
    }
  }
  return { kind: 'references', form: 'backport-id-only', references: [...refs] };
}
