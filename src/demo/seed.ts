/** Seeds the demo scenarios (demo/encounters/*.json transaction Bundles) into a FHIR server. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle } from '@medplum/fhirtypes';
import type { FhirGateway } from '../fhir/gateway.ts';

export const DEMO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../demo');

export function demoBundles(dir: string = join(DEMO_DIR, 'encounters')): { file: string; bundle: Bundle }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, bundle: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Bundle }));
}

/** Encounter ids the demo defines, in file order. */
export function demoEncounterIds(bundles: { bundle: Bundle }[]): string[] {
  return bundles.flatMap(({ bundle }) =>
    (bundle.entry ?? [])
      .filter((e) => e.resource?.resourceType === 'Encounter' && e.resource.id)
      .map((e) => e.resource?.id as string),
  );
}

export async function seedDemo(gateway: FhirGateway, dir?: string): Promise<string[]> {
  const bundles = demoBundles(dir);
  for (const { bundle } of bundles) await gateway.transaction(bundle);
  return demoEncounterIds(bundles);
}
