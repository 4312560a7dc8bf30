/**
 * Helpers for the service integration tests: waiting until subscription delivery and evaluations
 * are done, signing and posting notifications, reading what vialwise wrote, and metrics.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Bundle, Claim, DetectedIssue, Resource, Subscription } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import type { Running } from '../../src/bootstrap.ts';
import { fhir, goldenAsTransaction, searchResources } from './service.ts';

/** The webhook secret `startTestService` configures. */
export const TEST_SECRET = 'test-secret-0123456789abcdef';

export const CLAIM_DRAFT_SID = 'https://vialwise.dev/fhir/sid/claim-draft';
export const GAP_SID = 'https://vialwise.dev/fhir/sid/documentation-gap';
export const GAP_CODE_SYSTEM = 'https://vialwise.dev/fhir/CodeSystem/documentation-gap';
export const DEVICE_SID = 'https://vialwise.dev/fhir/sid/device';
export const HCPCS = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
export const NDC = 'http://hl7.org/fhir/sid/ndc';
export const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
export const POS = 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set';
export const CLAIM_TYPE = 'http://terminology.hl7.org/CodeSystem/claim-type';
export const SOURCE_ADMINISTRATION = 'https://vialwise.dev/fhir/StructureDefinition/source-administration';

/**
 * Waits until the embedded server has delivered every notification and the service has finished
 * every evaluation, looping because each can start more work for the other.
 */
export async function settle(running: Running): Promise<void> {
  const deliveries = running.embedded?.deliveries;
  for (let stable = 0; stable < 2;) {
    await deliveries?.idle();
    await running.service.idle();
    await new Promise((r) => setImmediate(r));
    stable = (deliveries?.pending ?? 0) === 0 && running.service.serializer.active === 0 ? stable + 1 : 0;
  }
}

/** Writes resources (a transaction) on the FHIR server and waits for the consequences. */
export async function write(running: Running, bundle: Bundle): Promise<Bundle> {
  const res = await fhir<Bundle>(running.fhirBaseUrl, 'POST', '', bundle);
  expect(res.status).toBe(200);
  for (const e of res.body.entry ?? []) expect(e.response?.status).toMatch(/^20[01]/);
  await settle(running);
  return res.body;
}

export async function put<T extends Resource>(running: Running, resource: T): Promise<T> {
  const res = await fhir<T>(
    running.fhirBaseUrl,
    'PUT',
    `${resource.resourceType}/${resource.id ?? ''}`,
    resource,
  );
  expect(res.status).toBeLessThan(300);
  await settle(running);
  return res.body;
}

export async function read<T extends Resource>(running: Running, ref: string): Promise<T> {
  const res = await fhir<T>(running.fhirBaseUrl, 'GET', ref);
  expect(res.status).toBe(200);
  return res.body;
}

export function loadGolden(running: Running, name: string): Promise<Bundle> {
  return write(running, goldenAsTransaction(name));
}

export function goldenResources(name: string): Resource[] {
  const b = JSON.parse(
    readFileSync(new URL(`../golden/cases/${name}.bundle.json`, import.meta.url), 'utf8'),
  ) as Bundle;
  return (b.entry ?? []).map((e) => e.resource as Resource);
}

export function goldenResource<T extends Resource>(name: string, type: T['resourceType'], id?: string): T {
  const found = goldenResources(name).find(
    (r) => r.resourceType === type && (id === undefined || r.id === id),
  );
  if (!found) throw new Error(`${name} has no ${type}${id ? `/${id}` : ''}`);
  return structuredClone(found) as T;
}

export function goldenBundle(name: string): Bundle {
  return JSON.parse(
    readFileSync(new URL(`../golden/cases/${name}.bundle.json`, import.meta.url), 'utf8'),
  ) as Bundle;
}

export interface ExpectedLine {
  readonly code: string;
  readonly modifiers: readonly string[];
  readonly units: number;
  readonly dateOfService: string;
  readonly ndc: string | null;
}

export interface Expected {
  readonly lines: readonly ExpectedLine[];
  readonly gaps: readonly { readonly code: string; readonly subjectKey?: string }[];
}

export function goldenExpected(name: string): Expected {
  return JSON.parse(
    readFileSync(new URL(`../golden/cases/${name}.expected.json`, import.meta.url), 'utf8'),
  ) as Expected;
}

/** Sorted, comparable form of lines. */
export function sortLines(lines: readonly ExpectedLine[]): ExpectedLine[] {
  const key = (l: ExpectedLine) =>
    `${l.code}|${[...l.modifiers].sort().join(',')}|${l.dateOfService}|${l.ndc ?? ''}|${l.units}`;
  return lines
    .map((l) => ({ ...l, modifiers: [...l.modifiers].sort() }))
    .sort((a, b) => key(a).localeCompare(key(b)));
}

/** The lines of a written Claim, in the golden files' notation. */
export function claimLines(claim: Claim): ExpectedLine[] {
  return sortLines(
    (claim.item ?? []).map((i) => ({
      code: i.productOrService.coding?.find((c) => c.system === HCPCS)?.code ?? '?',
      modifiers: (i.modifier ?? []).map((m) => m.coding?.find((c) => c.system === HCPCS)?.code ?? '?'),
      units: i.quantity?.value ?? NaN,
      dateOfService: i.servicedDate ?? '?',
      ndc: i.detail?.[0]?.productOrService.coding?.find((c) => c.system === NDC)?.code ?? null,
    })),
  );
}

export async function claimsFor(running: Running, encounterId: string): Promise<Claim[]> {
  return searchResources<Claim>(
    running.fhirBaseUrl,
    `Claim?identifier=${encodeURIComponent(`${CLAIM_DRAFT_SID}|Encounter/${encounterId}`)}`,
  );
}

/** The one Claim drafted for the Encounter (fails when there are several). */
export async function claimFor(running: Running, encounterId: string): Promise<Claim | undefined> {
  const claims = await claimsFor(running, encounterId);
  expect(claims.length).toBeLessThanOrEqual(1);
  return claims[0];
}

export async function issuesFor(running: Running, encounterId: string): Promise<DetectedIssue[]> {
  const all = await searchResources<DetectedIssue>(
    running.fhirBaseUrl,
    `DetectedIssue?implicated=${encodeURIComponent(`Encounter/${encounterId}`)}`,
  );
  return all.filter((i) =>
    i.identifier?.some((id) => id.system === GAP_SID && id.value?.startsWith(`${encounterId}:`)),
  );
}

export function gapCode(issue: DetectedIssue): string | undefined {
  return issue.code?.coding?.find((c) => c.system === GAP_CODE_SYSTEM)?.code;
}

export function gapIdentifier(issue: DetectedIssue): string | undefined {
  return issue.identifier?.find((i) => i.system === GAP_SID)?.value;
}

export async function historyCount(running: Running, ref: string): Promise<number> {
  const res = await fhir<Bundle>(running.fhirBaseUrl, 'GET', `${ref}/_history`);
  expect(res.status).toBe(200);
  return res.body.entry?.length ?? 0;
}

/**
 * What vialwise wrote for an Encounter, as `ref -> versionId` plus history counts, to prove that
 * nothing new was written between two snapshots.
 */
export async function writtenSnapshot(
  running: Running,
  encounterId: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const resources: Resource[] = [
    ...(await claimsFor(running, encounterId)),
    ...(await issuesFor(running, encounterId)),
  ];
  for (const r of resources) {
    const ref = `${r.resourceType}/${r.id ?? ''}`;
    out[ref] = `${r.meta?.versionId ?? ''} x${await historyCount(running, ref)}`;
  }
  return out;
}

/** Turns the service's Subscriptions off, so that only the test's own notifications reach it. */
export async function disableSubscriptions(running: Running): Promise<void> {
  const subs = await searchResources<Subscription>(running.fhirBaseUrl, 'Subscription');
  expect(subs.length).toBeGreaterThan(0);
  for (const s of subs) {
    const res = await fhir(running.fhirBaseUrl, 'PUT', `Subscription/${s.id ?? ''}`, { ...s, status: 'off' });
    expect(res.status).toBe(200);
  }
  await settle(running);
}

export function sign(body: string | Buffer, secret = TEST_SECRET): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export interface HttpResult {
  readonly status: number;
  readonly text: string;
  readonly headers: Headers;
  // Response bodies are asserted field by field.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

export async function send(
  url: string,
  method: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, headers: res.headers, json };
}

/** POSTs a notification body to /notify signed with X-Signature, as the embedded server does. */
export function notifySigned(
  running: Running,
  body: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return send(`${running.serviceUrl}/notify`, 'POST', body, {
    'content-type': 'application/fhir+json',
    'x-signature': sign(body),
    ...headers,
  });
}

export function postJson(running: Running, path: string, body?: unknown): Promise<HttpResult> {
  return send(`${running.serviceUrl}${path}`, 'POST', body === undefined ? undefined : JSON.stringify(body), {
    'content-type': 'application/fhir+json',
  });
}

export async function metricsText(running: Running): Promise<string> {
  const res = await send(`${running.serviceUrl}/metrics`, 'GET');
  expect(res.status).toBe(200);
  return res.text;
}

/** Sum of every sample of a metric (all label sets) in Prometheus text. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m && m[1] === name) sum += Number(m[3]);
  }
  return sum;
}

/** An R4B Subscriptions Backport notification Bundle (`event-notification`). */
export function backportNotification(
  focus: string,
  resource?: Resource,
  fullUrlBase = 'http://fhir.example.org/fhir',
): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'history',
    timestamp: new Date().toISOString(),
    entry: [
      {
        fullUrl: 'urn:uuid:6b5f4b7a-0d0c-4f57-9d0f-0c8a4a1c2e11',
        resource: {
          resourceType: 'Parameters',
          parameter: [
            { name: 'subscription', valueReference: { reference: 'Subscription/vialwise-ma' } },
            {
              name: 'topic',
              valueCanonical: 'http://example.org/fhir/SubscriptionTopic/medication-administration',
            },
            { name: 'status', valueCode: 'active' },
            { name: 'type', valueCode: 'event-notification' },
            { name: 'events-since-subscription-start', valueString: '12' },
            {
              name: 'notification-event',
              part: [
                { name: 'event-number', valueString: '12' },
                { name: 'timestamp', valueInstant: new Date().toISOString() },
                { name: 'focus', valueReference: { reference: focus } },
              ],
            },
          ],
        },
      },
      resource
        ? {
            fullUrl: `${fullUrlBase}/${focus}`,
            resource,
            request: { method: 'PUT', url: focus },
            response: { status: '200' },
          }
        : {
            fullUrl: `${fullUrlBase}/${focus}`,
            request: { method: 'PUT', url: focus },
            response: { status: '200' },
          },
    ],
  };
}

/** A Backport handshake or heartbeat Bundle. */
export function backportStatus(type: 'handshake' | 'heartbeat'): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'history',
    timestamp: new Date().toISOString(),
    entry: [
      {
        fullUrl: 'urn:uuid:0a3c1d2e-4b5f-4a6b-8c7d-9e0f1a2b3c4d',
        resource: {
          resourceType: 'Parameters',
          parameter: [
            { name: 'subscription', valueReference: { reference: 'Subscription/vialwise-ma' } },
            {
              name: 'topic',
              valueCanonical: 'http://example.org/fhir/SubscriptionTopic/medication-administration',
            },
            { name: 'status', valueCode: 'requested' },
            { name: 'type', valueCode: type },
            { name: 'events-since-subscription-start', valueString: '0' },
          ],
        },
      },
    ],
  };
}
