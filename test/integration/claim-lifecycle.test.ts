/**
 * The draft Claim over the life of an Encounter, on the real embedded server: cancelled by
 * billing, left without Coverage, or losing an administration moved to another visit.
 */
import type { Claim, Coverage, Encounter, MedicationAdministration } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/bootstrap.ts';
import { previousTargets } from '../../src/evaluate/triggers.ts';
import { fhir, startTestService } from '../support/service.ts';
import {
  claimFor,
  claimLines,
  claimsFor,
  goldenResource,
  goldenResources,
  issuesFor,
  loadGolden,
  put,
  read,
  settle,
} from '../support/notify.ts';

const C01 = '01-ed-asthma-methylpred-125-jz';
const C02 = '02-ed-asthma-methylpred-80-waste-documented';
const C10 = '10-medicare-infliximab-350-jw-charges-match';
let running: Running;

beforeAll(async () => {
  running = await startTestService({ SWEEP_LOOKBACK_HOURS: '87600' });
});
afterAll(async () => {
  await running.stop();
});

describe('the draft Claim over an Encounter’s life', () => {
  it('a Claim cancelled by billing does not block the next draft', async () => {
    await loadGolden(running, C01);
    const draft = (await claimFor(running, 'enc-golden-01')) as Claim;
    await put(running, { ...draft, status: 'cancelled' });
    const res = await fhir(running.serviceUrl, 'POST', 'api/encounters/enc-golden-01/evaluate');
    expect(res.status).toBe(200);
    await settle(running);
    const claims = await claimsFor(running, 'enc-golden-01');
    expect(claims.map((c) => c.status).sort()).toEqual(['cancelled', 'draft']);
  });

  it('the Coverage is removed: the draft is deleted and no-coverage is open', async () => {
    await loadGolden(running, C02);
    expect(await claimFor(running, 'enc-golden-02')).toBeDefined();
    const coverage = goldenResource<Coverage>(C02, 'Coverage');
    await put(running, { ...coverage, status: 'cancelled' });
    expect(await claimsFor(running, 'enc-golden-02')).toEqual([]);
    const open = (await issuesFor(running, 'enc-golden-02')).filter((i) => i.status === 'preliminary');
    expect(open.map((i) => i.identifier?.[0]?.value)).toContain('enc-golden-02:no-coverage:encounter');
  });

  it('an administration moved to another Encounter leaves the first Claim and joins the second', async () => {
    // Case 10's patient, a second visit on the same day (same Coverage).
    await loadGolden(running, C10);
    expect(claimLines((await claimFor(running, 'enc-golden-10')) as Claim).length).toBeGreaterThan(0);
    const enc = await read<Encounter>(running, 'Encounter/enc-golden-10');
    await put(running, { ...enc, id: 'enc-golden-10-b' });
    for (const ma of goldenResources(C10).filter((r) => r.resourceType === 'MedicationAdministration')) {
      const current = await read<MedicationAdministration>(
        running,
        `MedicationAdministration/${ma.id ?? ''}`,
      );
      await put(running, { ...current, context: { reference: 'Encounter/enc-golden-10-b' } });
    }
    // Nothing is left to bill on the first visit: its draft is gone.
    expect(await claimsFor(running, 'enc-golden-10')).toEqual([]);
    const after = (await claimFor(running, 'enc-golden-10-b')) as Claim;
    expect(claimLines(after).map((l) => l.code)).toEqual(['J1745', 'J1745']);

    // A replica that never saw the administration finds where it was from its history.
    const moved = await read<MedicationAdministration>(running, 'MedicationAdministration/ma-golden-10-a');
    expect(await previousTargets(moved, running.gateway)).toEqual(['enc-golden-10']);
    expect(await previousTargets(moved, running.gateway, 'enc-golden-10-b')).toEqual([]);
  });
});
