/**
 * What the service registers on the FHIR server at start, idempotently: its Device (the author
 * of DetectedIssues) and one rest-hook Subscription per watched resource type (docs/notifications.md).
 *
 * The webhook secret is written once, where the server uses it (WEBHOOK_AUTH, docs/security.md):
 * Medplum's subscription-secret extension (the server signs with it: X-Signature) or a
 * `channel.header` `Authorization: Bearer` line (HAPI FHIR sends it as it is), never both. A
 * server may keep the secret write-only (the embedded one does), so whether it changed is told by
 * a fingerprint beside it: an HMAC of a fixed label under the secret, which reveals no more than
 * any signed notification does.
 */
import { createHmac } from 'node:crypto';
import type { Bundle, Device, Extension, Subscription } from '@medplum/fhirtypes';
import type { WebhookAuth } from '../config.ts';
import { WATCHED_TYPES } from './watched.ts';
import { searchAll, type FhirGateway } from './gateway.ts';
import { canonical } from './plan.ts';
import {
  DEVICE_IDENTIFIER_VALUE,
  DEVICE_SID,
  MEDPLUM_SECRET_EXT,
  SECRET_FINGERPRINT_EXT,
} from '../domain/vocabulary.ts';

export async function registerDevice(gateway: FhirGateway): Promise<string> {
  const device: Device = {
    resourceType: 'Device',
    identifier: [{ system: DEVICE_SID, value: DEVICE_IDENTIFIER_VALUE }],
    status: 'active',
    deviceName: [{ name: 'vialwise', type: 'manufacturer-name' }],
    type: { text: 'Drug charge capture service' },
  };
  const created = await gateway.create(device, {
    ifNoneExist: `identifier=${DEVICE_SID}|${DEVICE_IDENTIFIER_VALUE}`,
  });
  return `Device/${created.id}`;
}

/** Tells whether the secret changed without revealing it (see the top of this file). */
export function secretFingerprint(secret: string): string {
  return createHmac('sha256', secret)
    .update('vialwise subscription secret fingerprint')
    .digest('hex')
    .slice(0, 32);
}

export function desiredSubscription(
  type: string,
  endpoint: string,
  secret: string,
  auth: WebhookAuth = 'signature',
): Subscription {
  const fingerprint: Extension = { url: SECRET_FINGERPRINT_EXT, valueString: secretFingerprint(secret) };
  return {
    resourceType: 'Subscription',
    status: 'active',
    reason: `vialwise: re-evaluate drug charges when a ${type} changes`,
    criteria: type,
    extension:
      auth === 'signature' ? [{ url: MEDPLUM_SECRET_EXT, valueString: secret }, fingerprint] : [fingerprint],
    channel: {
      type: 'rest-hook',
      endpoint,
      payload: 'application/fhir+json',
      ...(auth === 'header' ? { header: [`Authorization: Bearer ${secret}`] } : {}),
    },
  };
}

/**
 * The Subscription as compared with what is wanted: without server-managed fields, and without
 * the secret extension when the server does not return it (the fingerprint stands for it).
 */
function comparable(s: Subscription, serverShowsSecret: boolean): string {
  const extension = serverShowsSecret
    ? s.extension
    : s.extension?.filter((e) => e.url !== MEDPLUM_SECRET_EXT);
  return canonical({
    ...s,
    meta: undefined,
    id: undefined,
    extension: extension?.length ? extension : undefined,
  });
}

function showsSecret(s: Subscription): boolean {
  return s.extension?.some((e) => e.url === MEDPLUM_SECRET_EXT) ?? false;
}

/**
 * Creates the Subscriptions that are missing and updates those whose endpoint, secret or status
 * drifted. Returns how many were written.
 */
export async function registerSubscriptions(
  gateway: FhirGateway,
  endpoint: string,
  secret: string,
  auth: WebhookAuth = 'signature',
): Promise<number> {
  const found = await searchAll(gateway, `Subscription?url=${encodeURIComponent(endpoint)}&_count=100`);
  const existing = found.matches.filter((s): s is Subscription => s.resourceType === 'Subscription');
  const entries: NonNullable<Bundle['entry']> = [];
  for (const type of WATCHED_TYPES) {
    const want = desiredSubscription(type, endpoint, secret, auth);
    // Ordered by id, so that replicas starting together keep the same one.
    const matches = existing
      .filter((s) => s.criteria === type)
      .sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''));
    const current = matches[0];
    if (!current) {
      // Conditional, so that replicas starting at the same moment create one, not one each.
      const ifNoneExist = `url=${encodeURIComponent(endpoint)}&criteria:exact=${type}`;
      entries.push({ resource: want, request: { method: 'POST', url: 'Subscription', ifNoneExist } });
    } else if (comparable(current, showsSecret(current)) !== comparable(want, showsSecret(current))) {
      entries.push({
        resource: current.id === undefined ? want : { ...want, id: current.id },
        request: { method: 'PUT', url: `Subscription/${current.id}` },
      });
    }
    // Duplicates (e.g. from an earlier crash between two writes) would double every notification.
    for (const dup of matches.slice(1))
      entries.push({ request: { method: 'DELETE', url: `Subscription/${dup.id}` } });
  }
  if (entries.length) await gateway.batch({ resourceType: 'Bundle', type: 'batch', entry: entries });
  return entries.length;
}
