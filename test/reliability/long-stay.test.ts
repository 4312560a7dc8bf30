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
import { loadCatalog } from '../../src/catalog/load.ts';
import { loadPayerRules } from '../../src/catalog/payer-rules.ts';
import { Service } from '../../src/evaluate/service.ts';
import { searchAll } from '../../src/fhir/gateway.ts';
import { createInProcessGateway } from '../../src/fhir/in-process-gateway.ts';
import { ADMINISTRATION_PAGE } from '../../src/fhir/read-context.ts';
import { createInProcessFhirServer } from '../../src/fhir-server/in-process.ts';
import { silentLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/metrics.ts';
import { longStay, type LongStay } from '../support/long-stay.ts';
import {
  claimLines,
  disableSubscriptions,
  gapCode,
  notifySigned,
  postJson,
  writtenSnapshot,
} from '../support/notify.ts';
import { fhir, searchResources, startTestService } from '../support/service.ts';

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

async function written(
  search: (query: string) => Promise<Resource[]>,
  stay: LongStay,
): Promise<{ claims: Claim[]; issues: DetectedIssue[] }> {
  const claims = (await search(
    `Claim?identifier=${encodeURIComponent(`https://vialwise.dev/fhir/sid/claim-draft|Encounter/${stay.encounterId}`)}`,
  )) as Claim[];
  const issues = (await search(
    `DetectedIssue?implicated=${encodeURIComponent(`Encounter/${stay.encounterId}`)}&_count=1000`,
  )) as DetectedIssue[];
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
    const { claims, issues } = await written((q) => searchResources(running.fhirBaseUrl, q), stay);
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
    // 60 DetectedIssues closed, and the Claim updated: its care team now names the performer the
    // 30 administrations gained (issue 13 part B, careTeam "performing").
    expect(res.json.writes).toBe(61);
    const { claims, issues } = await written((q) => searchResources(running.fhirBaseUrl, q), stay);
    expect(claims).toHaveLength(1);
    expect(issues.filter((i) => i.status === 'final')).toHaveLength(60);
    expect(openGaps(issues)).toEqual([]);
  }, 60_000);
});

describe('two replicas writing the same 60-gap stay at once', () => {
  const stay = longStay('b', { days: 30, perDay: 8 });
  // Two services over one embedded server in process: their requests interleave at every await,
  // as two processes' would (concurrency.test.ts runs two processes over HTTP).
  const fhirServer = createInProcessFhirServer({ logger: silentLogger });
  const replicas = [0, 1].map(() => ({
    service: new Service({
      gateway: createInProcessGateway({ handle: fhirServer.handle }),
      reference: { catalog: loadCatalog(), payerRules: loadPayerRules() },
      logger: silentLogger,
      metrics: createMetrics(false),
      sweepLookbackHours: 72,
    }),
  }));
  beforeAll(async () => {
    for (const r of stay.resources) await fhirServer.repo.updateResource(r);
  });
  afterAll(() => fhirServer.stop());

  test('leave one Claim and one DetectedIssue per gap, and a third round writes nothing', async () => {
    // Each replica twice at once: the second evaluation waits in its replica's serializer.
    await Promise.all(
      replicas.flatMap((r) => [r.service.evaluate(stay.encounterId), r.service.evaluate(stay.encounterId)]),
    );
    const gateway = createInProcessGateway({ handle: fhirServer.handle });
    const { claims, issues } = await written(async (q) => (await searchAll(gateway, q)).matches, stay);
    expect(claims.filter((c) => c.status === 'draft')).toHaveLength(1);
    expect(claimLines(claims[0]!)).toEqual(expectedClaimLines(stay));
    const keys = issues.map((i) => i.identifier?.[0]?.value);
    expect(new Set(keys).size).toBe(keys.length);
    expect(openGaps(issues)).toEqual(stay.expectedGaps);
    const third = await Promise.all(replicas.map((r) => r.service.evaluate(stay.encounterId)));
    expect(third.map((t) => t.plan.entries.length)).toEqual([0, 0]);
  }, 60_000);
});
