/**
 * A notification is a hint, never a source of truth (issue 12, items 1 and 9). The HMAC covers
 * only the body, and Medplum signs only the body, so a captured notification can be replayed and
 * its delete headers changed. What must hold:
 *
 * - the patient whose body weights are read is the Encounter's subject on the FHIR server, not the
 *   subject of the administration a notification carries (an administration charted to the wrong
 *   patient must not delete the Encounter's draft Claim or open a false gap, however often it is
 *   replayed);
 * - a delete is acted on only once the FHIR server confirms it (a read answering 404/410);
 * - empty pings start at most one catch-up sweep at a time, with at most one more queued, and
 *   sweeps start a minimum interval apart, so that a replayed ping cannot make the service
 *   hammer the FHIR server.
 */
import type { MedicationAdministration, Observation, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Running } from '../../src/bootstrap.ts';
import {
  claimFor,
  claimLines,
  disableSubscriptions,
  gapCode,
  gapIdentifier,
  goldenExpected,
  goldenResource,
  issuesFor,
  loadGolden,
  metricSum,
  metricsText,
  notifySigned,
  put,
  settle,
  sortLines,
  writtenSnapshot,
} from '../support/notify.ts';
import { fhir, startTestService } from '../support/service.ts';

const C04 = '04-obs-dobutamine-weight-based';
const ENC04 = 'enc-golden-04';
const SWEEP_MIN_INTERVAL_MS = 400;

let running: Running;

beforeAll(async () => {
  running = await startTestService({}, { sweepMinIntervalMs: SWEEP_MIN_INTERVAL_MS });
  await disableSubscriptions(running);
  await loadGolden(running, C04);
  await running.service.evaluate(ENC04);
});

afterAll(() => running?.stop());

const fhirRequests = async () => metricSum(await metricsText(running), 'vialwise_fhir_requests_total');
const evaluations = async () => metricSum(await metricsText(running), 'vialwise_evaluations_total');

describe('identities come from the FHIR server, not from the notification', () => {
  test('an administration charted to another patient keeps the weight-based infusion billed, however often replayed', async () => {
    const expected = goldenExpected(C04);
    expect(claimLines((await claimFor(running, ENC04))!)).toEqual(sortLines(expected.lines));

    // Another patient, with a body weight of their own, and an administration charted to them on
    // this Encounter (a charting error the FHIR server accepts).
    await put<Patient>(running, { resourceType: 'Patient', id: 'pat-trust-other', gender: 'male' });
    const weight = goldenResource<Observation>(C04, 'Observation', 'obs-golden-04-1');
    await put<Observation>(running, {
      ...weight,
      id: 'obs-trust-other',
      subject: { reference: 'Patient/pat-trust-other' },
      valueQuantity: { value: 120, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
    });
    const wrong: MedicationAdministration = {
      ...goldenResource<MedicationAdministration>(C04, 'MedicationAdministration'),
      id: 'ma-trust-wrong-patient',
      subject: { reference: 'Patient/pat-trust-other' },
    };
    const stored = await put(running, wrong);

    const body = JSON.stringify(stored);
    for (let replay = 0; replay < 3; replay++) {
      const res = await notifySigned(running, body);
      expect(res.status).toBe(200);
      const claim = await claimFor(running, ENC04);
      expect(claim, 'the draft Claim is never deleted').toBeDefined();
      expect(claimLines(claim!)).toEqual(sortLines(expected.lines));
      const open = (await issuesFor(running, ENC04)).filter((i) => i.status === 'preliminary');
      // The one real gap: the administration charted to another patient. Nothing about the
      // infusion of the Encounter's own patient.
      expect(open.map((i) => `${gapCode(i)} ${gapIdentifier(i)}`)).toEqual([
        `patient-mismatch ${ENC04}:patient-mismatch:ma-trust-wrong-patient`,
      ]);
    }
    // Remove the stray administration again for the next test.
    expect(
      (await fhir(running.fhirBaseUrl, 'DELETE', 'MedicationAdministration/ma-trust-wrong-patient')).status,
    ).toBeLessThan(300);
    await running.service.evaluate(ENC04);
    await settle(running);
  });
});

describe('a delete is acted on only when the FHIR server confirms it', () => {
  test('a replayed delete of an administration that still exists evaluates nothing and writes nothing', async () => {
    const before = await writtenSnapshot(running, ENC04);
    const evaluated = await evaluations();
    const res = await notifySigned(running, '{}', {
      'x-medplum-interaction': 'delete',
      'x-medplum-deleted-resource': 'MedicationAdministration/ma-golden-04-a',
    });
    expect(res.status).toBe(200);
    expect(res.json.issue[0].details.text).toMatch(/evaluated 0 encounter\(s\), ignored 1/);
    expect(await evaluations()).toBe(evaluated);
    expect(await writtenSnapshot(running, ENC04)).toEqual(before);
  });

  test('the same delete, once the administration is really deleted, takes its lines off the Claim', async () => {
    expect(
      (await fhir(running.fhirBaseUrl, 'DELETE', 'MedicationAdministration/ma-golden-04-a')).status,
    ).toBeLessThan(300);
    const res = await notifySigned(running, '{}', {
      'x-medplum-interaction': 'delete',
      'x-medplum-deleted-resource': 'MedicationAdministration/ma-golden-04-a',
    });
    expect(res.status).toBe(200);
    expect(res.json.issue[0].details.text).toMatch(/evaluated 1 encounter/);
    // Nothing left to bill: the never-submitted draft is removed.
    expect(await claimFor(running, ENC04)).toBeUndefined();
    // Replayed: the server still confirms the delete, and there is nothing left to change.
    const settled = await writtenSnapshot(running, ENC04);
    const replayed = await notifySigned(running, '{}', {
      'x-medplum-interaction': 'delete',
      'x-medplum-deleted-resource': 'MedicationAdministration/ma-golden-04-a',
    });
    expect(replayed.status).toBe(200);
    expect(await writtenSnapshot(running, ENC04)).toEqual(settled);
    // Put it back for the sweep test.
    await put(running, goldenResource<MedicationAdministration>(C04, 'MedicationAdministration'));
    await running.service.evaluate(ENC04);
  });
});

describe('a delete header on a live resource', () => {
  test('a signed body of an administration that exists, with delete headers added, changes nothing', async () => {
    const before = await writtenSnapshot(running, ENC04);
    const live = goldenResource<MedicationAdministration>(C04, 'MedicationAdministration');
    const res = await notifySigned(running, JSON.stringify(live), {
      'x-medplum-interaction': 'delete',
      'x-medplum-deleted-resource': `MedicationAdministration/${live.id ?? ''}`,
    });
    expect(res.status).toBe(200);
    expect(await writtenSnapshot(running, ENC04)).toEqual(before);
    expect(await claimFor(running, ENC04)).toBeDefined();
  });
});

describe('empty pings are rate-limited', () => {
  test('ten replayed empty pings cost at most two sweeps', async () => {
    await new Promise((r) => setTimeout(r, SWEEP_MIN_INTERVAL_MS * 2));
    let before = await fhirRequests();
    const one = await notifySigned(running, '');
    expect(one.status).toBe(200);
    await settle(running);
    const perSweep = (await fhirRequests()) - before;
    expect(perSweep).toBeGreaterThan(0);

    await new Promise((r) => setTimeout(r, SWEEP_MIN_INTERVAL_MS * 2));
    before = await fhirRequests();
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await notifySigned(running, '')).status);
    expect(statuses.every((s) => s === 200 || s === 202)).toBe(true);
    // Whatever was queued runs within the interval.
    await new Promise((r) => setTimeout(r, SWEEP_MIN_INTERVAL_MS * 3));
    await settle(running);
    expect((await fhirRequests()) - before).toBeLessThanOrEqual(2 * perSweep);
  });
});
