/**
 * A long stay against the embedded server's real limits (issue 12, items 2 and 4): 1,500
 * administrations are more than Medplum's router includes in one search (1,000 resources), and
 * 60 gaps are more than it accepts in one transaction with conditional entries (8) or updates
 * (50). The Encounter is still read in pages, evaluated and written, replays and a second replica
 * change nothing, and the request budget is the documented 1 + (pages - 1) reads + 2 writes
 * (docs/writes.md).
 */
import type { Bundle, Claim, DetectedIssue, MedicationAdministration, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Running } from '../../src/bootstrap.ts';
import { startVialwise } from '../../src/bootstrap.ts';
import { loadConfig } from '../../src/config.ts';
import { ADMINISTRATION_PAGE } from '../../src/fhir/read-context.ts';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../../src/fhir-server/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { longStay, type LongStay } from '../support/long-stay.ts';
import {
  claimLines,
  disableSubscriptions,
  gapCode,
  notifySigned,
  postJson,
  writtenSnapshot,
} from '../support/notify.ts';
import { fhir, searchResources, startTestService, TEST_API_TOKEN } from '../support/service.ts';

async function load(base: string, resources: readonly Resource[]): Promise<void> {
  // A batch: a transaction of 1,500 updates is more than the server accepts.
  const res = await fhir<Bundle>(base, 'POST', '', {
    resourceType: 'Bundle',
    type: 'batch',
    entry: resources.map((r) => ({
      resource: r,
      request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
    })),
  });
  expect(res.status).toBe(200);
  expect(res.body.entry?.every((e) => /^20[01]/.test(e.response?.status ?? ''))).toBe(true);
}

async function written(base: string, stay: LongStay): Promise<{ claims: Claim[]; issues: DetectedIssue[] }> {
  const claims = await searchResources<Claim>(
    base,
    `Claim?identifier=${encodeURIComponent(`https://vialwise.dev/fhir/sid/claim-draft|Encounter/${stay.encounterId}`)}`,
  );
  const issues = await searchResources<DetectedIssue>(
    base,
    `DetectedIssue?implicated=${encodeURIComponent(`Encounter/${stay.encounterId}`)}&_count=1000`,
  );
  return { claims, issues };
}

const openGaps = (issues: readonly DetectedIssue[]) =>
  issues
    .filter((i) => i.status === 'preliminary')
    .map((i) => `${gapCode(i)} ${i.identifier?.[0]?.value?.split(':')[2]}`)
    .sort();

const expectedClaimLines = (stay: LongStay) =>
  stay.expectedLines.map((l) => ({ ...l, modifiers: [], ndc: '00143975301' }));

describe('a 1,500-administration stay with 60 gaps', () => {
  const stay = longStay('a');
  let running: Running;

  beforeAll(async () => {
    running = await startTestService();
    await disableSubscriptions(running);
    await load(running.fhirBaseUrl, stay.resources);
  }, 60_000);
  afterAll(() => running?.stop());

  test('is read in pages, evaluated and written: one Claim, one DetectedIssue per gap', async () => {
    const res = await postJson(running, `/api/encounters/${stay.encounterId}/evaluate`);
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    const pages = Math.ceil(1500 / ADMINISTRATION_PAGE);
    // One batch read, the further pages of administrations, the Claim, then one batch of the rest.
    expect(res.json.requests).toBe(1 + (pages - 1) + 2);
    const { claims, issues } = await written(running.fhirBaseUrl, stay);
    expect(claims).toHaveLength(1);
    expect(claimLines(claims[0]!)).toEqual(
      expectedClaimLines(stay).sort((a, b) => a.dateOfService.localeCompare(b.dateOfService)),
    );
    expect(issues).toHaveLength(60);
    expect(openGaps(issues)).toEqual(stay.expectedGaps);
    // Every gap names the Claim by its id, not by the placeholder it was planned with.
    for (const i of issues) expect(i.implicated?.map((r) => r.reference)).toContain(`Claim/${claims[0]!.id}`);
  }, 60_000);

  test('evaluated again or notified again, it writes nothing and costs only the reads', async () => {
    const before = await writtenSnapshot(running, stay.encounterId);
    const again = await postJson(running, `/api/encounters/${stay.encounterId}/evaluate`);
    expect(again.status).toBe(200);
    expect(again.json.writes).toBe(0);
    expect(again.json.requests).toBe(Math.ceil(1500 / ADMINISTRATION_PAGE));
    const ma = stay.resources.find((r) => r.resourceType === 'MedicationAdministration')!;
    for (let i = 0; i < 3; i++) expect((await notifySigned(running, JSON.stringify(ma))).status).toBe(200);
    expect(await writtenSnapshot(running, stay.encounterId)).toEqual(before);
  }, 60_000);

  test('documenting all 60 at once closes 60 DetectedIssues (more updates than one transaction holds)', async () => {
    const fixed = stay.resources
      .filter((r): r is MedicationAdministration => r.resourceType === 'MedicationAdministration')
      .filter((a) => !a.performer)
      .map((a) => ({
        ...a,
        performer: [{ actor: { reference: 'Practitioner/prac-golden-rn', display: 'Test Nurse' } }],
        dosage: { ...a.dosage, route: { coding: [{ system: 'http://snomed.info/sct', code: '47625008' }] } },
      }));
    expect(fixed).toHaveLength(30);
    await load(running.fhirBaseUrl, fixed);
    const res = await postJson(running, `/api/encounters/${stay.encounterId}/evaluate`);
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(res.json.writes).toBe(60);
    const { claims, issues } = await written(running.fhirBaseUrl, stay);
    expect(claims).toHaveLength(1);
    expect(issues.filter((i) => i.status === 'final')).toHaveLength(60);
    expect(openGaps(issues)).toEqual([]);
  }, 60_000);
});

describe('two replicas writing the same 60-gap stay at once', () => {
  const stay = longStay('b', { days: 30, perDay: 8 });
  let server: EmbeddedFhirServer;
  const replicas: Running[] = [];

  beforeAll(async () => {
    server = await startEmbeddedFhirServer({ port: 0, logger: silentLogger });
    for (let i = 0; i < 2; i++) {
      const config = loadConfig({
        PORT: '0',
        FHIR_BASE_URL: server.baseUrl,
        WEBHOOK_SECRET: 'replica-secret-0123456789abcdef',
        API_TOKEN: TEST_API_TOKEN,
        LOG_LEVEL: 'silent',
        SWEEP_INTERVAL_SECONDS: '3600',
      });
      // The default retry policy: the embedded server answers a batch of 60 conditional creates
      // in seconds (its searches scan every resource of the type), the more so for two at once.
      const r = await startVialwise(config, silentLogger);
      await r.registered;
      replicas.push(r);
    }
    for (const s of await searchResources(server.baseUrl, 'Subscription'))
      await fhir(server.baseUrl, 'DELETE', `Subscription/${s.id}`);
    await load(server.baseUrl, stay.resources);
  }, 60_000);
  afterAll(async () => {
    for (const r of replicas) await r.stop();
    await server?.stop();
  });

  test('leave one Claim and one DetectedIssue per gap, and a third round writes nothing', async () => {
    // Each replica twice at once: the second evaluation waits in its replica's serializer.
    await Promise.all(
      replicas.flatMap((r) => [r.service.evaluate(stay.encounterId), r.service.evaluate(stay.encounterId)]),
    );
    const { claims, issues } = await written(server.baseUrl, stay);
    expect(claims.filter((c) => c.status === 'draft')).toHaveLength(1);
    expect(claimLines(claims[0]!)).toEqual(expectedClaimLines(stay));
    const keys = issues.map((i) => i.identifier?.[0]?.value);
    expect(new Set(keys).size).toBe(keys.length);
    expect(openGaps(issues)).toEqual(stay.expectedGaps);
    const third = await Promise.all(replicas.map((r) => r.service.evaluate(stay.encounterId)));
    expect(third.map((t) => t.plan.entries.length)).toEqual([0, 0]);
  }, 60_000);
});
