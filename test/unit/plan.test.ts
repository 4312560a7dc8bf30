/**
 * The write plan (docs/writes.md): only what changed, conditional creates, If-Match updates,
 * closing and voiding issues, never touching a submitted Claim, and converging duplicates.
 */
import type { BundleEntry, Claim, DetectedIssue, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { fitsOneTransaction, writePlan } from '../../src/evaluate/write.ts';
import { isSubmitted } from '../../src/fhir/codec/index.ts';
import { searchAll } from '../../src/fhir/gateway.ts';
import { createInProcessGateway } from '../../src/fhir/in-process-gateway.ts';
import { planWrites, type ExistingWrites } from '../../src/fhir/plan.ts';
import { createInProcessFhirServer } from '../../src/fhir-server/in-process.ts';
import { silentLogger } from '../../src/logger.ts';
import type { EncounterInput } from '../../src/domain/input.ts';
import { admin, evaluate, NDC, scenario } from '../support/build.ts';

const CTX = { now: '2025-06-30T12:00:00Z', device: 'Device/dev1', billingProvider: 'Organization/org1' };

/** Pretend the server stored what the plan wrote: ids and versions assigned, tags kept. */
function store(entries: ReturnType<typeof planWrites>['entries'], prefix: string): Resource[] {
  return entries
    .filter((e) => e.request?.method === 'POST' || e.request?.method === 'PUT')
    .map((e, i) => {
      const r = e.resource as Resource;
      const id = r.id ?? `${prefix}-${i}`;
      return { ...r, id, meta: { ...r.meta, versionId: '1', lastUpdated: CTX.now } };
    });
}

function existingFrom(resources: Resource[]): ExistingWrites {
  return {
    claims: resources.filter((r): r is Claim => r.resourceType === 'Claim'),
    issues: resources.filter((r): r is DetectedIssue => r.resourceType === 'DetectedIssue'),
  };
}

function withGap(): EncounterInput {
  // No route: a missing-route gap beside a billable J2930 line.
  return scenario({
    administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 125, unit: 'mg' }, route: null })],
  });
}

describe('planWrites', () => {
  it('first evaluation: a conditional create of the Claim and of each DetectedIssue', () => {
    const input = withGap();
    const plan = planWrites(evaluate(input), input, { claims: [], issues: [] }, CTX);
    const requests = plan.entries.map(
      (e) => `${e.request?.method} ${e.request?.url} ${e.request?.ifNoneExist ?? ''}`,
    );
    expect(requests).toEqual([
      'POST Claim identifier=https://vialwise.dev/fhir/sid/claim-draft|Encounter/e1&status=draft',
      expect.stringMatching(
        /^POST DetectedIssue identifier=https:\/\/vialwise.dev\/fhir\/sid\/documentation-gap\|e1:missing-route:/,
      ),
    ]);
    expect(plan.counts).toMatchObject({ claim: 'create', opened: 1 });
  });

  it('re-evaluating unchanged documentation writes nothing', () => {
    const input = withGap();
    const first = planWrites(evaluate(input), input, { claims: [], issues: [] }, CTX);
    const stored = store(first.entries, 'x');
    // The issue's implicated Claim is a urn:uuid in the first plan: the server rewrites it.
    const claimId = stored.find((r) => r.resourceType === 'Claim')?.id as string;
    const fixed = stored.map((r) =>
      r.resourceType === 'DetectedIssue'
        ? {
            ...r,
            implicated: (r.implicated ?? []).map((ref) =>
              ref.reference?.startsWith('urn:uuid:') ? { reference: `Claim/${claimId}` } : ref,
            ),
          }
        : r,
    );
    const later = { ...CTX, now: '2025-07-01T08:00:00Z' };
    const second = planWrites(evaluate(input), input, existingFrom(fixed), later);
    expect(second.entries).toEqual([]);
    expect(second.counts).toMatchObject({ claim: 'none', kept: 1 });
  });

  it('a fixed gap closes: final with a resolved mitigation, updated with If-Match', () => {
    const input = withGap();
    const stored = store(planWrites(evaluate(input), input, { claims: [], issues: [] }, CTX).entries, 'x');
    const fixedInput = scenario({
      administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 125, unit: 'mg' } })],
    });
    const plan = planWrites(evaluate(fixedInput), fixedInput, existingFrom(stored), CTX);
    const close = plan.entries.find(
      (e) => (e.resource as DetectedIssue | undefined)?.resourceType === 'DetectedIssue',
    );
    expect(close?.request).toMatchObject({ method: 'PUT', ifMatch: 'W/"1"' });
    expect((close?.resource as DetectedIssue).status).toBe('final');
    expect((close?.resource as DetectedIssue).mitigation?.[0]?.action.coding?.[0]?.code).toBe('resolved');
    expect(plan.counts.closed).toBe(1);
  });

  it('an administration entered in error marks its issues entered-in-error and removes its line', () => {
    const input = withGap();
    const stored = store(planWrites(evaluate(input), input, { claims: [], issues: [] }, CTX).entries, 'x');
    const voided = scenario({
      administrations: [
        admin({
          ndc: NDC.solumedrol125,
          dose: { value: 125, unit: 'mg' },
          route: null,
          status: 'entered-in-error',
        }),
      ],
    });
    const plan = planWrites(evaluate(voided), voided, existingFrom(stored), CTX);
    const issue = plan.entries
      .map((e) => e.resource as DetectedIssue)
      .find((r) => r?.resourceType === 'DetectedIssue');
    expect(issue?.status).toBe('entered-in-error');
    const claim = plan.entries.map((e) => e.resource as Claim).find((r) => r?.resourceType === 'Claim');
    expect(claim?.item ?? []).toEqual([]);
  });

  it('a Claim that has left draft is never written', () => {
    const input = withGap();
    const stored = store(planWrites(evaluate(input), input, { claims: [], issues: [] }, CTX).entries, 'x');
    const submitted = stored.map((r) =>
      r.resourceType === 'Claim' ? { ...r, status: 'active' } : r,
    ) as Resource[];
    const changed = scenario({
      administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 250, unit: 'mg' }, route: null })],
    });
    const plan = planWrites(
      evaluate({ ...changed, claims: existingFrom(submitted).claims }),
      changed,
      existingFrom(submitted),
      CTX,
    );
    expect(plan.entries.filter((e) => e.request?.url?.startsWith('Claim'))).toEqual([]);
    expect(plan.counts.claim).toBe('none');
  });

  it('duplicate drafts and issues (a non-atomic conditional create) converge on the lowest id', () => {
    const input = withGap();
    const a = store(planWrites(evaluate(input), input, { claims: [], issues: [] }, CTX).entries, 'a');
    const b = store(planWrites(evaluate(input), input, { claims: [], issues: [] }, CTX).entries, 'b');
    const plan = planWrites(evaluate(input), input, existingFrom([...b, ...a]), CTX);
    const deletes = plan.entries.filter((e) => e.request?.method === 'DELETE').map((e) => e.request?.url);
    expect(deletes.sort()).toEqual(['Claim/b-0', 'DetectedIssue/b-1']);
    expect(plan.counts.duplicatesRemoved).toBe(2);
  });
});

describe('planWrites: drafts that can no longer be billed', () => {
  it('a draft whose only line was voided is removed, not left billing it', () => {
    const input = withGap();
    const stored = store(planWrites(evaluate(input), input, { claims: [], issues: [] }, CTX).entries, 'x');
    const voided = scenario({
      administrations: [
        admin({
          ndc: NDC.solumedrol125,
          dose: { value: 125, unit: 'mg' },
          route: null,
          status: 'entered-in-error',
        }),
      ],
    });
    const plan = planWrites(evaluate(voided), voided, existingFrom(stored), CTX);
    expect(plan.entries.filter((e) => e.request?.method === 'DELETE').map((e) => e.request?.url)).toEqual([
      'Claim/x-0',
    ]);
    expect(plan.counts.claim).toBe('delete');
  });

  it('a draft whose Coverage is gone is removed; no-coverage says why', () => {
    const input = withGap();
    const stored = store(planWrites(evaluate(input), input, { claims: [], issues: [] }, CTX).entries, 'x');
    const uncovered = scenario({
      payer: null,
      administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 125, unit: 'mg' }, route: null })],
    });
    const ev = evaluate(uncovered);
    const plan = planWrites(ev, uncovered, existingFrom(stored), CTX);
    expect(plan.counts.claim).toBe('delete');
    expect(ev.gaps.map((g) => g.code)).toContain('no-coverage');
  });

  it('a cancelled Claim does not block a new draft: the conditional create asks for a draft', () => {
    const input = withGap();
    const stored = store(planWrites(evaluate(input), input, { claims: [], issues: [] }, CTX).entries, 'x');
    const cancelled = stored.map((r) =>
      r.resourceType === 'Claim' ? { ...r, status: 'cancelled' } : r,
    ) as Resource[];
    const plan = planWrites(evaluate(input), input, existingFrom(cancelled), CTX);
    const create = plan.entries.find((e) => e.request?.method === 'POST' && e.request.url === 'Claim');
    expect(create?.request?.ifNoneExist).toMatch(/&status=draft$/);
  });

  it('gaps name the Claim that was billed, never a cancelled one listed before it', () => {
    const input = withGap();
    const stored = store(planWrites(evaluate(input), input, { claims: [], issues: [] }, CTX).entries, 'x');
    const claim = stored.find((r): r is Claim => r.resourceType === 'Claim')!;
    const claims = [
      { ...claim, id: 'a-cancelled', status: 'cancelled' },
      { ...claim, id: 'b-active', status: 'active' },
    ] as Claim[];
    const plan = planWrites(evaluate({ ...input, claims }), input, { claims, issues: [] }, CTX);
    const issue = plan.entries.find((e) => e.resource?.resourceType === 'DetectedIssue')
      ?.resource as DetectedIssue;
    expect(issue.implicated?.map((r) => r.reference)).toContain('Claim/b-active');
    expect(issue.implicated?.map((r) => r.reference)).not.toContain('Claim/a-cancelled');
    expect(plan.counts.claim).toBe('none');
  });
});

describe('isSubmitted: the one statement of "this Claim has left draft"', () => {
  it.each([
    ['draft', false],
    ['cancelled', false],
    ['entered-in-error', false],
    ['active', true],
    // A value a server should not hold: treated as billed, so never modified.
    ['archived', true],
  ])('%s -> %s', (status, submitted) => {
    expect(isSubmitted({ resourceType: 'Claim', status } as Claim)).toBe(submitted);
  });
});

describe('how a plan is sent (write.ts)', () => {
  const post = (n: number, conditional: boolean): BundleEntry[] =>
    Array.from({ length: n }, (_, i) => ({
      resource: { resourceType: 'DetectedIssue', status: 'preliminary', patient: { reference: 'Patient/p' } },
      request: {
        method: 'POST',
        url: 'DetectedIssue',
        ...(conditional ? { ifNoneExist: `identifier=x|${i}` } : {}),
      },
    }));
  const put = (n: number): BundleEntry[] =>
    Array.from({ length: n }, (_, i) => ({
      request: { method: 'PUT', url: `DetectedIssue/d${i}` },
    }));

  it("fits one transaction within Medplum's limits: 8 entries when conditional, 50 updates", () => {
    expect(fitsOneTransaction(post(8, true))).toBe(true);
    expect(fitsOneTransaction(post(9, true))).toBe(false);
    expect(fitsOneTransaction(post(40, false))).toBe(true);
    expect(fitsOneTransaction(put(50))).toBe(true);
    expect(fitsOneTransaction(put(51))).toBe(false);
    expect(fitsOneTransaction([...post(1, true), ...put(7)])).toBe(true);
    expect(fitsOneTransaction([...post(1, true), ...put(8)])).toBe(false);
  });

  it('a plan too large for one transaction goes as the Claim, then one batch naming it by id; a replay writes nothing', async () => {
    const server = createInProcessFhirServer({ logger: silentLogger });
    const gateway = createInProcessGateway({ handle: server.handle });
    // Twelve administrations without a route: one Claim and twelve gaps.
    const input = scenario({
      administrations: Array.from({ length: 12 }, (_, i) =>
        admin({ id: `ma-${i}`, ndc: NDC.solumedrol125, dose: { value: 125, unit: 'mg' }, route: null }),
      ),
    });
    const plan = planWrites(evaluate(input), input, { claims: [], issues: [] }, CTX);
    expect(plan.entries).toHaveLength(13);
    expect(fitsOneTransaction(plan.entries)).toBe(false);
    const result = await writePlan(gateway, plan);
    expect(result).toEqual({ requests: 2, conflicted: false, strategy: 'claim-then-batch' });
    const { matches: claims } = await searchAll(gateway, 'Claim');
    const { matches: issues } = await searchAll(gateway, 'DetectedIssue?_count=100');
    expect(claims).toHaveLength(1);
    expect(issues).toHaveLength(12);
    for (const i of issues as DetectedIssue[])
      expect(i.implicated?.map((r) => r.reference)).toContain(`Claim/${claims[0]!.id}`);
    // The same plan again (a replayed notification planned before the first write landed).
    const again = planWrites(evaluate(input), input, { claims: [], issues: [] }, CTX);
    await writePlan(gateway, again);
    expect((await searchAll(gateway, 'Claim')).matches).toHaveLength(1);
    expect((await searchAll(gateway, 'DetectedIssue?_count=100')).matches).toHaveLength(12);
  });
});
