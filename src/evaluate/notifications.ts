/**
 * From an authenticated notification to evaluations (docs/notifications.md): the body parsed
 * (notification.ts), the Encounters it names found (triggers.ts), deletes confirmed with the
 * FHIR server, empty bodies turned into a rate-limited sweep. The outcome says what happened;
 * the HTTP layer turns it into a status. What a notification names is only a hint: every
 * evaluation reads the FHIR server.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { isVialwiseError, VialwiseError } from '../domain/errors.ts';
import { FHIR_ID } from '../domain/vocabulary.ts';
import type { FhirGateway } from '../fhir/gateway.ts';
import { asServiceError, upstreamStatus } from '../fhir/outcomes.ts';
import { isWatchedType } from '../fhir/watched.ts';
import type { Metrics } from '../metrics.ts';
import { invalid, parseNotification, type Notification } from './notification-forms.ts';
import type { SweepRequest } from './sweep.ts';
import { confirmedDeleted, deletedTargets, previousTargets, targetsOf } from './triggers.ts';

/** The headers of a notification the service reads (lower-case names). */
export interface NotificationHeaders {
  readonly 'content-type'?: string;
  readonly 'x-medplum-interaction'?: string;
  readonly 'x-medplum-deleted-resource'?: string;
}

export type NotificationOutcome =
  | {
      readonly ok: true;
      /** False when the work was queued (a rate-limited sweep) rather than done. */
      readonly done: boolean;
      readonly evaluated: number;
      readonly ignored: number;
    }
  | { readonly ok: false; readonly error: VialwiseError };

/** What handling a notification needs from the service (service.ts provides it). */
export interface NotificationContext {
  readonly gateway: FhirGateway;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The start of the look-back window. */
  since(): Date;
  /** The Encounter this replica last saw an administration (`MedicationAdministration/<id>`) on. */
  knownEncounterOf(reference: string): string | undefined;
  evaluateTargets(encounterIds: readonly string[]): Promise<number>;
  requestSweep(): SweepRequest;
  sweepFailed(err: unknown): void;
}

const JSON_TYPES = ['application/json', 'application/fhir+json'];

/** JSON is UTF-8 (RFC 8259 section 8.1): a body declared in another charset is refused. */
export function isJsonContentType(contentType: string | undefined): boolean {
  const [media = '', ...params] = (contentType ?? '').split(';');
  const charset = params
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  return (
    JSON_TYPES.includes(media.trim().toLowerCase()) &&
    (charset === undefined || charset === 'utf-8' || charset === 'utf8')
  );
}

/**
 * A notification the HTTP layer authenticated: its raw body and headers, and for HAPI's
 * `PUT {endpoint}/{type}/{id}` the type and id of its path. The FHIR server being unavailable
 * or refusing a request is an outcome too (`fhir-unavailable`, `fhir-refused`, ...): the sender
 * retries; a malformed body is `invalid-body`.
 */
export async function handleNotification(
  ctx: NotificationContext,
  raw: Buffer,
  headers: NotificationHeaders,
  path?: { readonly type: string; readonly id: string },
): Promise<NotificationOutcome> {
  try {
    if (raw.length > 0 && !isJsonContentType(headers['content-type']))
      return { ok: false, error: new VialwiseError('unsupported-media-type', 'notification is not JSON') };
    const n = path ? parsePathNotification(raw, path) : parse(raw, headers);
    const { metrics } = ctx;
    metrics.notifications.inc({
      form: n.kind === 'resources' || n.kind === 'references' ? n.form : n.kind,
    });
    return { ok: true, ...(await handle(ctx, n)) };
  } catch (err) {
    const error = isVialwiseError(err) ? err : asServiceError(err);
    if (error) return { ok: false, error };
    throw err;
  }
}

function parse(raw: Buffer, headers: NotificationHeaders): Notification {
  const interaction = headers['x-medplum-interaction'];
  const deletedResource = headers['x-medplum-deleted-resource'];
  return parseNotification(raw, {
    ...(interaction ? { interaction } : {}),
    ...(deletedResource ? { deletedResource } : {}),
  });
}

/** HAPI FHIR's payload style: `PUT {endpoint}/{type}/{id}` with the resource, or nothing. */
function parsePathNotification(
  raw: Buffer,
  path: { readonly type: string; readonly id: string },
): Notification {
  if (!FHIR_ID.test(path.id)) throw new VialwiseError('invalid-id', 'invalid id in the notification path');
  const n = parseNotification(raw, {});
  if (n.kind === 'empty')
    return { kind: 'references', form: 'backport-id-only', references: [`${path.type}/${path.id}`] };
  if (n.kind !== 'resources' || n.resources[0]?.resourceType !== path.type || n.resources[0]?.id !== path.id)
    throw invalid('Body does not match the type and id in the path');
  return n;
}

/** What a notification asks for; resolves once every affected Encounter is written. */
async function handle(
  ctx: NotificationContext,
  n: Notification,
): Promise<{ done: boolean; evaluated: number; ignored: number }> {
  const { gateway } = ctx;
  switch (n.kind) {
    case 'empty': {
      const sweep = ctx.requestSweep();
      if (sweep.queued) {
        sweep.done.catch((err: unknown) => ctx.sweepFailed(err));
        return { done: false, evaluated: 0, ignored: 0 };
      }
      return { done: true, evaluated: await sweep.done, ignored: 0 };
    }
    case 'status':
      return { done: true, evaluated: 0, ignored: 1 };
    case 'deleted': {
      if (!n.reference || !isWatchedType(n.reference.split('/')[0]))
        return { done: true, evaluated: 0, ignored: 1 };
      if (!(await confirmedDeleted(gateway, n.reference))) {
        ctx.logger.info(
          { event: 'delete-not-confirmed', resourceType: n.reference.split('/')[0] },
          'a delete notification for a resource the FHIR server still has: ignored',
        );
        return { done: true, evaluated: 0, ignored: 1 };
      }
      const targets = await deletedTargets(gateway, n.reference, ctx.since());
      return {
        done: true,
        evaluated: await ctx.evaluateTargets(targets),
        ignored: targets.length ? 0 : 1,
      };
    }
    case 'references': {
      const resources: Resource[] = [];
      let ignored = 0;
      for (const ref of n.references) {
        const [type, id] = ref.split('/') as [string, string];
        if (!isWatchedType(type)) {
          ignored++;
          continue;
        }
        const found = await gateway.read(type, id).catch((err: unknown) => {
          const status = upstreamStatus(err);
          if (status === 404 || status === 410)
            throw new VialwiseError(
              'resource-not-found',
              `${type} named by a notification is not on the server`,
            );
          throw err;
        });
        resources.push(found);
      }
      const r = await handleResources(ctx, resources);
      return { done: true, evaluated: r.evaluated, ignored: r.ignored + ignored };
    }
    case 'resources':
      return { done: true, ...(await handleResources(ctx, n.resources)) };
  }
}

async function handleResources(
  ctx: NotificationContext,
  resources: readonly Resource[],
): Promise<{ evaluated: number; ignored: number }> {
  const targets: string[] = [];
  let ignored = 0;
  for (const r of resources) {
    if (!isWatchedType(r.resourceType)) {
      ignored++;
      continue;
    }
    targets.push(...(await targetsOf(r, ctx.gateway, ctx.since())));
    const known = ctx.knownEncounterOf(`${r.resourceType}/${r.id ?? ''}`);
    targets.push(...(await previousTargets(r, ctx.gateway, known)));
  }
  return { evaluated: await ctx.evaluateTargets(targets), ignored };
}
