/**
 * A long stay against the embedded FHIR server over HTTP (docs/writes.md): 1,500 administrations
 * (read in pages) and 60 gaps (more than one transaction holds). Figures: evaluation time and FHIR
 * requests for the first evaluation (Claim + 60 DetectedIssues written), an unchanged one, and the
 * one that closes the 60 gaps, against the same reads sent directly to the same server.
 */
import type { Bundle, MedicationAdministration, Resource } from '@medplum/fhirtypes';
import { contextQueries } from '../src/fhir/read-context.ts';
import { startQuietService } from './service.ts';
import { longStay } from '../test/support/long-stay.ts';

async function post(url: string, body: unknown): Promise<Bundle> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Bundle;
}

export async function longStayBench(): Promise<void> {
  const running = await startQuietService();
  const base = running.fhirBaseUrl;
  const stay = longStay('bench');
  for (const r of stay.resources) await running.embedded?.repo.updateResource(r);

  const time = async (label: string, note: string) => {
    const t = performance.now();
    const r = await running.service.evaluate(stay.encounterId);
    const ms = performance.now() - t;
    console.log(
      `  ${label.padEnd(40)}${ms.toFixed(0).padStart(6)} ms, ${r.requests} requests (${r.plan.entries.length} writes, ${r.strategy})  ${note}`,
    );
    return ms;
  };
  console.log('## Long stay over HTTP (embedded FHIR server): 1,500 administrations, 60 gaps');
  await time('first evaluation', '(Claim + 60 DetectedIssues)');
  const unchanged = await time('unchanged', '(the reads only)');
  for (const a of stay.resources.filter(
    (r): r is MedicationAdministration => r.resourceType === 'MedicationAdministration' && !r.performer,
  )) {
    const fixed: Resource = {
      ...a,
      performer: [{ actor: { reference: 'Practitioner/prac-golden-rn' } }],
      dosage: { ...a.dosage, route: { coding: [{ system: 'http://snomed.info/sct', code: '47625008' }] } },
    };
    await running.embedded?.repo.updateResource(fixed);
  }
  await time('60 gaps documented', '(60 DetectedIssues closed)');

  // Baseline: the same batch read and its further pages, sent directly.
  const t = performance.now();
  const first = await post(base, {
    resourceType: 'Bundle',
    type: 'batch',
    entry: contextQueries(stay.encounterId).map((url) => ({ request: { method: 'GET', url } })),
  });
  let requests = 1;
  for (const entry of first.entry ?? []) {
    let next = (entry.resource as Bundle | undefined)?.link?.find((l) => l.relation === 'next')?.url;
    while (next) {
      const page = (await (await fetch(next)).json()) as Bundle;
      requests++;
      next = page.link?.find((l) => l.relation === 'next')?.url;
    }
  }
  const direct = performance.now() - t;
  console.log(
    `    baseline: the same read sent directly ${direct.toFixed(0).padStart(6)} ms, ${requests} requests  -> unchanged / baseline ${(unchanged / direct).toFixed(2)}x`,
  );
  await running.stop();
}
