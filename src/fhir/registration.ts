/**
 * What the service registers on the FHIR server at start, idempotently: its Device (the author
 * of DetectedIssues) and one rest-hook Subscription per watched resource type (SPEC section 7).
 */
import type { Bundle, Device, Subscription } from '@medplum/fhirtypes';
import { WATCHED_TYPES } from '../evaluate/triggers.ts';
import { searchAll, type FhirGateway } from './gateway.ts';
import { canonical } from './plan.ts';
import { DEVICE_IDENTIFIER_VALUE, DEVICE_SID, MEDPLUM_SECRET_EXT } from '../domain/vocabulary.ts';

export const SUBSCRIPTION_TAG = 'https://vialwise.dev/fhir/sid/subscription';

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

export function desiredSubscription(type: string, endpoint: string, secret: string): Subscription {
  return {
    resourceType: 'Subscription',
    status: 'active',
    reason: `vialwise: re-evaluate drug charges when a ${type} changes`,
    criteria: type,
    // Medplum signs with this secret (X-Signature); HAPI passes channel.header through.
    extension: [{ url: MEDPLUM_SECRET_EXT, valueString: secret }],
    channel: {
      type: 'rest-hook',
      endpoint,
      payload: 'application/fhir+json',
      header: [`Authorization: Bearer ${secret}`],
    },
  };
}

/**
 * Creates the Subscriptions that are missing and updates those whose endpoint, secret or status
 * drifted. Returns how many were written.
 */
export async function registerSubscriptions(
  gateway: FhirGateway,
  endpoint: string,
  secret: string,
): Promise<number> {
  const found = await searchAll(gateway, `Subscription?url=${encodeURIComponent(endpoint)}&_count=100`);
  const existing = found.matches.filter((s): s is Subscription => s.resourceType === 'Subscription');
  const entries: NonNullable<Bundle['entry']> = [];
  for (const type of WATCHED_TYPES) {
    const want = desiredSubscription(type, endpoint, secret);
    // Ordered by id, so that replicas starting together keep the same one.
    const matches = existing
      .filter((s) => s.criteria === type)
      .sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''));
    const current = matches[0];
    if (!current) {
      entries.push({ resource: want, request: { method: 'POST', url: 'Subscription' } });
    } else if (canonical({ ...current, meta: undefined, id: undefined }) !== canonical(want)) {
      entries.push({
        resource: { ...want, id: current.id },
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
