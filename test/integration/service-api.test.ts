/**
 * The service's own HTTP API over real HTTP (README, "HTTP interface"): dry-run evaluation of a
 * posted Bundle, on-demand evaluation of an Encounter on the server, the FHIR request budget per
 * evaluation, health, readiness and metrics.
 */
import type { Bundle, MedicationAdministration } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Running } from '../../src/bootstrap.ts';
import {
  CLAIM_DRAFT_SID,
  claimFor,
  claimLines,
  GAP_SID,
  gapIdentifier,
  goldenBundle,
  goldenExpected,
  issuesFor,
  loadGolden,
  metricSum,
  metricsText,
  notifySigned,
  postJson,
  read,
  send,
  sortLines,
  TEST_SECRET,
  writtenSnapshot,
  disableSubscriptions,
  type ExpectedLine,
  type HttpResult,
} from '../support/notify.ts';
import { searchResources, startTestService } from '../support/service.ts';

const C01 = '01-ed-asthma-methylpred-125-jz';
const C15 = '15-ed-methylpred-missing-diagnosis';
const C16 = '16-infliximab-350-waste-undocumented';
const C23 = '23-ed-coverage-expired-no-coverage';

function expectOutcome(res: HttpResult, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/(fhir\+)?json/);
  expect(res.json?.resourceType).toBe('OperationOutcome');
  expect(res.json.issue?.[0]?.severity).toBe('error');
  expect(res.text).not.toMatch(/node_modules|\.ts:\d+|\n\s+at /);
}

interface EngineLine {
  code: string;
  modifiers: string[];
  units: number;
  dateOfService: string;
  ndc?: { ndc: string };
}

const engineLines = (lines: EngineLine[]): ExpectedLine[] =>
  sortLines(
    lines.map((l) => ({
      code: l.code,
      modifiers: l.modifiers,
      units: l.units,
      dateOfService: l.dateOfService,
      ndc: l.ndc?.ndc ?? null,
    })),
  );

async function serverCounts(running: Running): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const type of ['Claim', 'DetectedIssue', 'Encounter', 'MedicationAdministration', 'Patient']) {
    out[type] = (await searchResources(running.fhirBaseUrl, `${type}?_count=1000`)).length;
  }
  return out;
}

const fhirRequests = async (running: Running) =>
  metricSum(await metricsText(running), 'vialwise_fhir_requests_total');

describe('HTTP API: evaluation, request budget, health and metrics', () => {
  let running: Running;

  beforeAll(async () => {
    running = await startTestService();
    // Only the test decides when an Encounter is evaluated.
    await disableSubscriptions(running);
  });

  afterAll(async () => {
    await running?.stop();
  });

  test('POST /api/evaluate returns lines, gaps, the Claim and DetectedIssues it would write, and writes nothing', async () => {
    const before = await serverCounts(running);

    const res = await postJson(running, '/api/evaluate', goldenBundle(C15));
    expect(res.status).toBe(200);
    expect(engineLines(res.json.evaluation.lines)).toEqual(sortLines(goldenExpected(C15).lines));
    expect(
      res.json.evaluation.gaps.map((g: { code: string; subjectKey: string }) => `${g.code}:${g.subjectKey}`),
    ).toEqual(['missing-diagnosis:ma-golden-15-a']);
    expect(res.json.claim.resourceType).toBe('Claim');
    expect(res.json.claim.status).toBe('draft');
    expect(res.json.claim.identifier).toContainEqual({
      system: CLAIM_DRAFT_SID,
      value: 'Encounter/enc-golden-15',
    });
    expect(claimLines(res.json.claim)).toEqual(sortLines(goldenExpected(C15).lines));
    expect(res.json.detectedIssues).toHaveLength(1);
    expect(res.json.detectedIssues[0].resourceType).toBe('DetectedIssue');
    expect(res.json.detectedIssues[0].status).toBe('preliminary');
    expect(res.json.detectedIssues[0].identifier).toContainEqual({
      system: GAP_SID,
      value: 'enc-golden-15:missing-diagnosis:ma-golden-15-a',
    });

    // Without Coverage: no Claim, and the no-coverage issue.
    const none = await postJson(running, '/api/evaluate', goldenBundle(C23));
    expect(none.status).toBe(200);
    expect(none.json.claim).toBeUndefined();
    expect(none.json.detectedIssues.map(gapIdentifier)).toEqual(['enc-golden-23:no-coverage:encounter']);

    // A searchset Bundle is accepted too.
    const searchset = { ...goldenBundle(C01), type: 'searchset' };
    const fromSearch = await postJson(running, '/api/evaluate', searchset);
    expect(fromSearch.status).toBe(200);
    expect(engineLines(fromSearch.json.evaluation.lines)).toEqual(sortLines(goldenExpected(C01).lines));

    expect(await serverCounts(running)).toEqual(before);
  });

  test('POST /api/evaluate with a non-Bundle, a Bundle without an Encounter or bad JSON is 400', async () => {
    const patient = goldenBundle(C01).entry?.[0]?.resource;
    expect(patient?.resourceType).toBe('Patient');
    expectOutcome(await postJson(running, '/api/evaluate', patient), 400);
    expectOutcome(
      await postJson(running, '/api/evaluate', {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: patient }],
      }),
      400,
    );
    expectOutcome(
      await postJson(running, '/api/evaluate', { resourceType: 'Bundle', type: 'collection' }),
      400,
    );
    expectOutcome(await postJson(running, '/api/evaluate', [1, 2]), 400);
    expectOutcome(
      await send(`${running.serviceUrl}/api/evaluate`, 'POST', '{"resourceType":"Bundle",', {
        'content-type': 'application/fhir+json',
      }),
      400,
    );
    expectOutcome(
      await send(`${running.serviceUrl}/api/evaluate`, 'POST', JSON.stringify(goldenBundle(C01)), {
        'content-type': 'text/plain',
      }),
      415,
    );
  });

  test('POST /api/encounters/:id/evaluate evaluates the Encounter on the server and writes back', async () => {
    await loadGolden(running, C16);
    expect(await claimFor(running, 'enc-golden-16')).toBeUndefined();
    const res = await postJson(running, '/api/encounters/enc-golden-16/evaluate', undefined);
    expect(res.status).toBe(200);
    expect(engineLines(res.json.evaluation.lines)).toEqual(sortLines(goldenExpected(C16).lines));
    expect(res.json.evaluation.gaps.map((g: { code: string }) => g.code)).toEqual(
      goldenExpected(C16).gaps.map((g) => g.code),
    );
    const claim = await claimFor(running, 'enc-golden-16');
    // The response carries the Claim and DetectedIssues with the ids the server gave them.
    expect(res.json.claim.id).toBe(claim?.id);
    expect(res.json.claim.identifier).toEqual(claim?.identifier);
    const onServer = await issuesFor(running, 'enc-golden-16');
    expect(res.json.detectedIssues.map((i: { id?: string }) => i.id).sort()).toEqual(
      onServer.map((i) => i.id).sort(),
    );
    expect(claimLines(res.json.claim)).toEqual(claimLines(claim!));
    expect(claimLines(claim!)).toEqual(sortLines(goldenExpected(C16).lines));
    expect((await issuesFor(running, 'enc-golden-16')).map(gapIdentifier)).toEqual(
      res.json.detectedIssues.map(gapIdentifier),
    );
  });

  test('POST /api/encounters/:id/evaluate for an unknown Encounter is 404, for an invalid id 400', async () => {
    expectOutcome(await postJson(running, '/api/encounters/enc-does-not-exist/evaluate', undefined), 404);
    expectOutcome(await postJson(running, `/api/encounters/${'x'.repeat(65)}/evaluate`, undefined), 400);
    expectOutcome(await postJson(running, '/api/encounters/a%2Fb/evaluate', undefined), 400);
  });

  test('an evaluation with changes costs 2 FHIR requests; re-evaluating unchanged costs 1 and writes nothing', async () => {
    await loadGolden(running, C01);
    expect(await claimFor(running, 'enc-golden-01')).toBeUndefined();

    const m0 = await fhirRequests(running);
    const first = await postJson(running, '/api/encounters/enc-golden-01/evaluate', undefined);
    const m1 = await fhirRequests(running);
    expect(first.status).toBe(200);
    expect(first.json.writes).toBeGreaterThan(0);
    expect(first.json.requests).toBe(2);
    expect(m1 - m0).toBe(2);

    const snapshot = await writtenSnapshot(running, 'enc-golden-01');
    const m2 = await fhirRequests(running);
    const again = await postJson(running, '/api/encounters/enc-golden-01/evaluate', undefined);
    const m3 = await fhirRequests(running);
    expect(again.status).toBe(200);
    expect(again.json.writes).toBe(0);
    expect(again.json.requests).toBe(1);
    expect(m3 - m2).toBe(1);
    expect(await writtenSnapshot(running, 'enc-golden-01')).toEqual(snapshot);

    // A notification for an unchanged Encounter costs the same single read.
    const ma = await read<MedicationAdministration>(running, 'MedicationAdministration/ma-golden-01-a');
    const m4 = await fhirRequests(running);
    expect((await notifySigned(running, JSON.stringify(ma))).status).toBe(200);
    expect((await fhirRequests(running)) - m4).toBe(1);
    expect(await writtenSnapshot(running, 'enc-golden-01')).toEqual(snapshot);
  });

  test('GET /healthz and /readyz are 200 while the FHIR server answers', async () => {
    const health = await send(`${running.serviceUrl}/healthz`, 'GET');
    expect(health.status).toBe(200);
    const ready = await send(`${running.serviceUrl}/readyz`, 'GET');
    expect(ready.status).toBe(200);
  });

  test('GET /metrics is Prometheus text with FHIR requests, evaluations and the latency histogram', async () => {
    const res = await send(`${running.serviceUrl}/metrics`, 'GET');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = res.text;
    expect(text).toMatch(/^# TYPE vialwise_fhir_requests_total counter$/m);
    expect(text).toMatch(/^vialwise_fhir_requests_total\{status="2xx"\} \d+$/m);
    expect(text).toMatch(/^# TYPE vialwise_evaluations_total counter$/m);
    expect(text).toMatch(/^vialwise_evaluations_total\{result="written"\} \d+$/m);
    expect(text).toMatch(/^vialwise_evaluations_total\{result="unchanged"\} \d+$/m);
    expect(text).toMatch(/^# TYPE vialwise_evaluation_duration_seconds histogram$/m);
    expect(text).toMatch(/^vialwise_evaluation_duration_seconds_bucket\{le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^vialwise_evaluation_duration_seconds_count \d+$/m);
    expect(metricSum(text, 'vialwise_evaluations_total')).toBeGreaterThanOrEqual(3);
    expect(metricSum(text, 'vialwise_evaluation_duration_seconds_count')).toBe(
      metricSum(text, 'vialwise_evaluations_total'),
    );
    // No patient data and no secret.
    expect(text).not.toContain('pat-golden');
    expect(text).not.toContain(TEST_SECRET);
  });
});

describe('HTTP API: the FHIR server goes away', () => {
  let running: Running;

  beforeAll(async () => {
    running = await startTestService();
    await loadGolden(running, C01);
  });

  afterAll(async () => {
    await running?.stop();
  });

  test('/readyz is 503 and notifications and evaluations answer 503 once the FHIR server is stopped; /healthz stays 200', async () => {
    expect((await send(`${running.serviceUrl}/readyz`, 'GET')).status).toBe(200);
    const ma = await read<MedicationAdministration>(running, 'MedicationAdministration/ma-golden-01-a');
    const bundle: Bundle = goldenBundle(C01);

    await running.embedded!.stop();

    expect((await send(`${running.serviceUrl}/healthz`, 'GET')).status).toBe(200);
    const notified = await notifySigned(running, JSON.stringify(ma));
    expectOutcome(notified, 503);
    expect(notified.headers.get('retry-after')).toMatch(/^\d+$/);
    expectOutcome(await postJson(running, '/api/encounters/enc-golden-01/evaluate', undefined), 503);
    // Readiness follows the requests the service makes (a probe only when it made none lately):
    // the failed requests above already told it.
    expectOutcome(await send(`${running.serviceUrl}/readyz`, 'GET'), 503);
    // The dry run needs no FHIR server.
    expect((await postJson(running, '/api/evaluate', bundle)).status).toBe(200);
    const text = await metricsText(running);
    expect(text).toMatch(/^vialwise_fhir_requests_total\{status="network-error"\} [1-9]\d*$/m);
  });
});
