/**
 * `/notify` over real HTTP (docs/notifications.md, FHIR-NOTES "Subscription notifications"): the accepted
 * forms, authentication, error statuses, and replay safety. The service's own Subscriptions are
 * turned off, so each Encounter is evaluated only because of the notification the test sends.
 */
import type {
  DetectedIssue,
  MedicationAdministration,
  Observation,
  Patient,
  Subscription,
} from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Running } from '../../src/bootstrap.ts';
import {
  backportNotification,
  backportStatus,
  claimFor,
  claimLines,
  claimsFor,
  disableSubscriptions,
  gapIdentifier,
  goldenExpected,
  issuesFor,
  loadGolden,
  notifySigned,
  postJson,
  read,
  send,
  settle,
  sign,
  sortLines,
  TEST_SECRET,
  writtenSnapshot,
  write,
  type HttpResult,
} from '../support/notify.ts';
import {
  apiAuthorization,
  asTransaction,
  fhir,
  searchResources,
  startTestService,
} from '../support/service.ts';

const C01 = '01-ed-asthma-methylpred-125-jz';
const C10 = '10-medicare-infliximab-350-jw-charges-match';
const C15 = '15-ed-methylpred-missing-diagnosis';
const C17 = '17-charge-j1250-posted-for-methylpred';
const C20 = '20-obs-copd-methylpred-two-doses-summed';
const C22 = '22-clinic-methylpred-40-missing-route-performer';
const C29 = '29-charge-posted-without-jz';
const C30 = '30-charge-units-billed-per-vial';

function expectOutcome(res: HttpResult, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/(fhir\+)?json/);
  expect(res.json?.resourceType).toBe('OperationOutcome');
  expect(res.json.issue?.[0]?.severity).toBe('error');
  expect(res.text).not.toMatch(/node_modules|\.ts:\d+|\n\s+at /);
  expect(res.text).not.toContain(TEST_SECRET);
}

/** Everything vialwise has written on the server, as `ref -> versionId`. */
async function allWrites(running: Running): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const type of ['Claim', 'DetectedIssue']) {
    for (const r of await searchResources(running.fhirBaseUrl, `${type}?_count=1000`))
      out[`${type}/${r.id ?? ''}`] = r.meta?.versionId ?? '';
  }
  return out;
}

describe('/notify: forms, authentication and errors', () => {
  let running: Running;
  let notifyUrl: string;

  beforeAll(async () => {
    running = await startTestService();
    notifyUrl = `${running.serviceUrl}/notify`;
    await disableSubscriptions(running);
  });

  afterAll(async () => {
    await running?.stop();
  });

  const ma = (id: string) => read<MedicationAdministration>(running, `MedicationAdministration/${id}`);

  test('a full resource with a valid X-Signature is evaluated and written before the 200', async () => {
    await loadGolden(running, C01);
    expect(await claimFor(running, 'enc-golden-01')).toBeUndefined();
    const res = await notifySigned(running, JSON.stringify(await ma('ma-golden-01-a')));
    expect(res.status).toBe(200);
    // No waiting: the 200 means the evaluation is already written.
    const claim = await claimFor(running, 'enc-golden-01');
    expect(claimLines(claim!)).toEqual(sortLines(goldenExpected(C01).lines));
  });

  test('wrong signature, wrong bearer and no credentials are 401, evaluate nothing and never echo the secret', async () => {
    await loadGolden(running, C15);
    const body = JSON.stringify(await ma('ma-golden-15-a'));
    const json = { 'content-type': 'application/fhir+json' };
    const attempts = [
      { ...json, 'x-signature': sign(body, 'another-secret-0123456789abcdef') },
      { ...json, 'x-signature': sign(`${body} `) },
      { ...json, 'x-signature': 'not-hex' },
      // A valid bearer does not rescue a wrong signature.
      { ...json, 'x-signature': '0'.repeat(64), authorization: `Bearer ${TEST_SECRET}` },
      { ...json, authorization: `Bearer ${TEST_SECRET}x` },
      { ...json, authorization: `Bearer ${TEST_SECRET.slice(0, -1)}` },
      { ...json, authorization: `Basic ${Buffer.from(`vialwise:${TEST_SECRET}`).toString('base64')}` },
      { ...json, authorization: TEST_SECRET },
      json,
    ];
    for (const headers of attempts) {
      const res = await send(notifyUrl, 'POST', body, headers);
      expectOutcome(res, 401);
      for (const [, v] of res.headers) expect(v).not.toContain(TEST_SECRET);
    }
    await settle(running);
    expect(await claimFor(running, 'enc-golden-15')).toBeUndefined();
    expect(await issuesFor(running, 'enc-golden-15')).toEqual([]);
  });

  test('a valid Authorization: Bearer <secret> is accepted', async () => {
    const body = JSON.stringify(await ma('ma-golden-15-a'));
    const res = await send(notifyUrl, 'POST', body, {
      'content-type': 'application/fhir+json',
      authorization: `Bearer ${TEST_SECRET}`,
    });
    expect(res.status).toBe(200);
    expect(await claimFor(running, 'enc-golden-15')).toBeDefined();
    expect((await issuesFor(running, 'enc-golden-15')).map(gapIdentifier)).toEqual([
      'enc-golden-15:missing-diagnosis:ma-golden-15-a',
    ]);
  });

  test('an R4B Backport full-resource notification Bundle is evaluated', async () => {
    await loadGolden(running, C10);
    expect(await claimFor(running, 'enc-golden-10')).toBeUndefined();
    const body = JSON.stringify(
      backportNotification('MedicationAdministration/ma-golden-10-a', await ma('ma-golden-10-a')),
    );
    const res = await notifySigned(running, body);
    expect(res.status).toBe(200);
    expect(claimLines((await claimFor(running, 'enc-golden-10'))!)).toEqual(
      sortLines(goldenExpected(C10).lines),
    );
  });

  test('an R4B Backport id-only notification Bundle is evaluated (the service reads the focus)', async () => {
    await loadGolden(running, C17);
    expect(await claimFor(running, 'enc-golden-17')).toBeUndefined();
    const body = JSON.stringify(
      backportNotification('MedicationAdministration/ma-golden-17-a', undefined, running.fhirBaseUrl),
    );
    const res = await notifySigned(running, body);
    expect(res.status).toBe(200);
    expect(claimLines((await claimFor(running, 'enc-golden-17'))!)).toEqual(
      sortLines(goldenExpected(C17).lines),
    );
    expect((await issuesFor(running, 'enc-golden-17')).map(gapIdentifier)).toEqual([
      'enc-golden-17:charge-code-mismatch:ci-golden-17-1',
    ]);
  });

  test('Backport handshake and heartbeat are acknowledged with 200 and write nothing', async () => {
    const before = await allWrites(running);
    for (const type of ['handshake', 'heartbeat'] as const) {
      const res = await notifySigned(running, JSON.stringify(backportStatus(type)));
      expect(res.status).toBe(200);
    }
    await settle(running);
    expect(await allWrites(running)).toEqual(before);
  });

  test('HAPI style PUT /notify/:type/:id with the resource is evaluated; a mismatched id is 400', async () => {
    await loadGolden(running, C22);
    const body = JSON.stringify(await ma('ma-golden-22-a'));
    const bearer = { 'content-type': 'application/fhir+json', authorization: `Bearer ${TEST_SECRET}` };

    const wrong = await send(`${notifyUrl}/MedicationAdministration/ma-golden-22-b`, 'PUT', body, bearer);
    expectOutcome(wrong, 400);
    const wrongType = await send(`${notifyUrl}/ChargeItem/ma-golden-22-a`, 'PUT', body, bearer);
    expectOutcome(wrongType, 400);
    await settle(running);
    expect(await claimFor(running, 'enc-golden-22')).toBeUndefined();

    const res = await send(`${notifyUrl}/MedicationAdministration/ma-golden-22-a`, 'PUT', body, bearer);
    expect(res.status).toBe(200);
    expect(claimLines((await claimFor(running, 'enc-golden-22'))!)).toEqual(
      sortLines(goldenExpected(C22).lines),
    );

    const before = await allWrites(running);
    const patient = JSON.stringify({ resourceType: 'Patient', id: 'pat-golden-22', gender: 'unknown' });
    expect((await send(`${notifyUrl}/Patient/pat-golden-22`, 'PUT', patient, bearer)).status).toBe(200);
    expectOutcome(
      await send(`${notifyUrl}/Patient/pat-golden-22`, 'PUT', patient, {
        'content-type': 'application/fhir+json',
      }),
      401,
    );
    await settle(running);
    expect(await allWrites(running)).toEqual(before);
  });

  test('a Medplum delete notification ({} with X-Medplum-Deleted-Resource) re-evaluates the Encounter', async () => {
    expect((await claimFor(running, 'enc-golden-22'))?.item).toHaveLength(1);
    const deleted = await fhir(running.fhirBaseUrl, 'DELETE', 'MedicationAdministration/ma-golden-22-a');
    expect(deleted.status).toBeLessThan(300);
    const res = await notifySigned(running, '{}', {
      'x-medplum-interaction': 'delete',
      'x-medplum-deleted-resource': 'MedicationAdministration/ma-golden-22-a',
    });
    expect(res.status).toBe(200);
    expect((await claimFor(running, 'enc-golden-22'))?.item ?? []).toHaveLength(0);
    const issues = await issuesFor(running, 'enc-golden-22');
    expect(issues).toHaveLength(2);
    expect(issues.filter((i) => i.status === 'preliminary')).toEqual([]);
  });

  test('resource types the service does not use are acknowledged with 200 and ignored', async () => {
    const before = await allWrites(running);
    const patient: Patient = { resourceType: 'Patient', id: 'pat-golden-01', gender: 'unknown' };
    const weight: Observation = {
      resourceType: 'Observation',
      id: 'obs-weight-x',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
      subject: { reference: 'Patient/pat-golden-01' },
      valueQuantity: { value: 80, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
    };
    for (const r of [patient, weight]) {
      const res = await notifySigned(running, JSON.stringify(r));
      expect(res.status).toBe(200);
    }
    await settle(running);
    expect(await allWrites(running)).toEqual(before);
  });

  test('malformed JSON and non-resource bodies are 400 OperationOutcomes', async () => {
    for (const body of [
      '{"resourceType": "MedicationAdministration", "id": ',
      '[1,2,3]',
      '"text"',
      '{"id":"x"}',
      '{"resourceType":"MedicationAdministration","id":"bad/id"}',
    ]) {
      expectOutcome(await notifySigned(running, body), 400);
    }
    const put = await send(`${notifyUrl}/MedicationAdministration/ma-golden-01-a`, 'PUT', '{not json', {
      'content-type': 'application/fhir+json',
      authorization: `Bearer ${TEST_SECRET}`,
    });
    expectOutcome(put, 400);
  });

  test('a body over 1 MiB is 413', async () => {
    const big = JSON.stringify({
      resourceType: 'Patient',
      id: 'big',
      text: { status: 'generated', div: `<div>${'x'.repeat(1024 * 1024)}</div>` },
    });
    expectOutcome(await notifySigned(running, big), 413);
    expectOutcome(
      await send(notifyUrl, 'POST', big, {
        'content-type': 'application/fhir+json',
        authorization: `Bearer ${TEST_SECRET}`,
      }),
      413,
    );
  });

  test('Content-Type text/plain with a body is 415', async () => {
    const body = JSON.stringify(await ma('ma-golden-01-a'));
    expectOutcome(
      await send(notifyUrl, 'POST', body, { 'content-type': 'text/plain', 'x-signature': sign(body) }),
      415,
    );
  });

  test('an empty body runs the catch-up sweep', async () => {
    await loadGolden(running, C20);
    await loadGolden(running, C29);
    expect(await claimFor(running, 'enc-golden-20')).toBeUndefined();
    expect(await claimFor(running, 'enc-golden-29')).toBeUndefined();
    const res = await send(notifyUrl, 'POST', '', { 'x-signature': sign('') });
    expect(res.status).toBe(200);
    expect(claimLines((await claimFor(running, 'enc-golden-20'))!)).toEqual(
      sortLines(goldenExpected(C20).lines),
    );
    expect(claimLines((await claimFor(running, 'enc-golden-29'))!)).toEqual(
      sortLines(goldenExpected(C29).lines),
    );
    expect((await issuesFor(running, 'enc-golden-29')).map(gapIdentifier)).toEqual([
      'enc-golden-29:charge-modifier-missing:J2919:2025-12-23',
    ]);
    // An empty body must still be authenticated.
    expectOutcome(await send(notifyUrl, 'POST', ''), 401);
  });

  // BUG (src/service.ts, evaluateTargets; src/http/errors.ts maps EncounterNotFoundError to 404):
  // one administration whose `context` points at an Encounter that does not exist makes every
  // catch-up sweep fail for SWEEP_LOOKBACK_HOURS: the empty-body notification answers 404 (the
  // sender retries in vain) and the timer sweep logs sweep-failed, although the other Encounters
  // were evaluated. A missing reference should give a gap or be skipped, not fail the sweep.
  // Remove `.fails` once fixed.
  test('the catch-up sweep still answers 200 when an administration points at a missing Encounter', async () => {
    const orphan = {
      ...(await ma('ma-golden-01-a')),
      id: 'ma-orphan',
      context: { reference: 'Encounter/enc-does-not-exist' },
    };
    delete orphan.meta;
    await write(running, asTransaction([orphan]));
    await loadGolden(running, C30);
    const res = await send(notifyUrl, 'POST', '', { 'x-signature': sign('') });
    expect(await claimFor(running, 'enc-golden-30')).toBeDefined();
    expect(res.status).toBe(200);
  });
});

describe('/notify: replayed notifications converge', () => {
  let running: Running;

  beforeAll(async () => {
    running = await startTestService();
    await disableSubscriptions(running);
    await loadGolden(running, C22);
  });

  afterAll(async () => {
    await running?.stop();
  });

  test('the same signed notification 5 times at once leaves one Claim and one DetectedIssue per gap', async () => {
    const body = JSON.stringify(
      await read<MedicationAdministration>(running, 'MedicationAdministration/ma-golden-22-a'),
    );
    const results = await Promise.all(Array.from({ length: 5 }, () => notifySigned(running, body)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await settle(running);
    expect(await claimsFor(running, 'enc-golden-22')).toHaveLength(1);
    const issues = await issuesFor(running, 'enc-golden-22');
    expect(issues.map(gapIdentifier).sort()).toEqual([
      'enc-golden-22:missing-performer:ma-golden-22-a',
      'enc-golden-22:missing-route:ma-golden-22-a',
    ]);
  });

  test('replaying it 5 more times writes no new Claim or DetectedIssue version', async () => {
    const body = JSON.stringify(
      await read<MedicationAdministration>(running, 'MedicationAdministration/ma-golden-22-a'),
    );
    const before = await writtenSnapshot(running, 'enc-golden-22');
    expect(Object.keys(before)).toHaveLength(3);
    for (let i = 0; i < 5; i++) expect((await notifySigned(running, body)).status).toBe(200);
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => notifySigned(running, body)));
    expect(concurrent.every((r) => r.status === 200)).toBe(true);
    await settle(running);
    expect(await writtenSnapshot(running, 'enc-golden-22')).toEqual(before);
    const all = await searchResources<DetectedIssue>(running.fhirBaseUrl, 'DetectedIssue?_count=1000');
    expect(all).toHaveLength(2);
    expect(await searchResources(running.fhirBaseUrl, 'Claim?_count=1000')).toHaveLength(1);
  });
});

describe('two replicas against one FHIR server', () => {
  let a: Running;
  let b: Running;

  beforeAll(async () => {
    // Over HTTP: the second replica reaches A's FHIR server by its URL.
    a = await startTestService({}, { inProcessFhir: false });
    // The second replica uses A's FHIR server and registers its own Subscriptions there, so every
    // change is notified to both and both evaluate the same Encounter at the same time.
    b = await startTestService({ FHIR_BASE_URL: a.fhirBaseUrl });
    // A's embedded server notifies only A's /notify (no SSRF, issue 12): let it notify B's too, as
    // a FHIR server shared by two replicas would.
    const subs = await searchResources<Subscription>(a.fhirBaseUrl, 'Subscription?_count=100');
    a.embedded!.restrictDelivery([...new Set(subs.map((s) => s.channel.endpoint!))]);
  });

  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  test('leave exactly one Claim and one DetectedIssue per gap', async () => {
    await loadGolden(a, C22);
    await loadGolden(a, C10);
    await settle(b);
    const both = await Promise.all([
      postJson(a, '/api/encounters/enc-golden-22/evaluate'),
      // B works against A's FHIR server (not embedded): its API needs the token.
      send(`${b.serviceUrl}/api/encounters/enc-golden-22/evaluate`, 'POST', undefined, apiAuthorization()),
      postJson(a, '/api/encounters/enc-golden-10/evaluate'),
      send(`${b.serviceUrl}/api/encounters/enc-golden-10/evaluate`, 'POST', undefined, apiAuthorization()),
    ]);
    expect(both.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const delivered = a.embedded!.deliveries.attempts.filter((x) => x.resourceId === 'ma-golden-22-a');
    expect(delivered.length).toBe(2);
    expect(delivered.every((x) => x.ok)).toBe(true);

    expect(await searchResources(a.fhirBaseUrl, 'Claim?_count=1000')).toHaveLength(2);
    expect(claimLines((await claimFor(a, 'enc-golden-22'))!)).toEqual(sortLines(goldenExpected(C22).lines));
    expect(claimLines((await claimFor(a, 'enc-golden-10'))!)).toEqual(sortLines(goldenExpected(C10).lines));
    const issues = await searchResources<DetectedIssue>(a.fhirBaseUrl, 'DetectedIssue?_count=1000');
    expect(issues.map((i) => gapIdentifier(i)).sort()).toEqual([
      'enc-golden-22:missing-performer:ma-golden-22-a',
      'enc-golden-22:missing-route:ma-golden-22-a',
    ]);
    expect(await searchResources(a.fhirBaseUrl, 'Device?_count=1000')).toHaveLength(1);
  });
});
