/**
 * What vialwise writes to a real FHIR server conforms to its own profiles, and the embedded
 * server serves those profiles (issue: fhir-profiles).
 */
import type { Claim, DetectedIssue, StructureDefinition } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/bootstrap.ts';
import { seedDemo } from '../../src/demo/seed.ts';
import { formatIssues, PROFILE_URLS, validateWritten } from '../support/profiles/index.ts';
import { fhir, searchResources, startTestService } from '../support/service.ts';

let running: Running;

beforeAll(async () => {
  running = await startTestService();
  const ids = await seedDemo(running.gateway);
  for (const id of ids) await running.service.evaluate(id);
  await running.embedded?.deliveries.idle();
  await running.service.idle();
});

afterAll(async () => {
  await running.stop();
});

describe('resources written on the FHIR server', () => {
  it('every Claim validates against the claim-draft profile', async () => {
    const claims = await searchResources<Claim>(running.fhirBaseUrl, 'Claim?_count=500');
    expect(claims.length).toBeGreaterThanOrEqual(10);
    for (const c of claims) expect(validateWritten(c), formatIssues(validateWritten(c))).toEqual([]);
  });

  it('every DetectedIssue validates against the documentation-gap profile', async () => {
    const issues = await searchResources<DetectedIssue>(running.fhirBaseUrl, 'DetectedIssue?_count=500');
    expect(issues.length).toBeGreaterThanOrEqual(5);
    for (const i of issues) expect(validateWritten(i), formatIssues(validateWritten(i))).toEqual([]);
  });
});

describe('the embedded server serves the conformance artifacts', () => {
  it('StructureDefinitions with snapshots can be read by canonical URL', async () => {
    for (const url of [PROFILE_URLS.claimDraft, PROFILE_URLS.documentationGap]) {
      const sds = await searchResources<StructureDefinition>(
        running.fhirBaseUrl,
        `StructureDefinition?url=${encodeURIComponent(url)}`,
      );
      expect(sds).toHaveLength(1);
      expect(sds[0]?.snapshot?.element?.length).toBeGreaterThan(10);
    }
  });

  it('GET /metadata lists the profiles as supportedProfile', async () => {
    const { body } = await fhir<{ rest: { resource: { type: string; supportedProfile?: string[] }[] }[] }>(
      running.fhirBaseUrl,
      'GET',
      'metadata',
    );
    const claim = body.rest[0]?.resource.find((r) => r.type === 'Claim');
    expect(claim?.supportedProfile).toContain(PROFILE_URLS.claimDraft);
  });

  it('the documentation-gap CodeSystem is on the server', async () => {
    const cs = await searchResources(
      running.fhirBaseUrl,
      `CodeSystem?url=${encodeURIComponent('https://vialwise.dev/fhir/CodeSystem/documentation-gap')}`,
    );
    expect(cs).toHaveLength(1);
  });
});
