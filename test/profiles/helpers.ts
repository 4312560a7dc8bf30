import fs from 'node:fs';
import type {
  Claim,
  DetectedIssue,
  MedicationAdministration,
  OperationOutcomeIssue,
} from '@medplum/fhirtypes';

interface Fixtures {
  readonly 'claim-draft': Claim;
  readonly 'claim-institutional': Claim;
  readonly 'claim-professional': Claim;
  readonly 'documentation-gap': DetectedIssue;
  readonly 'medication-administration': MedicationAdministration;
}

/** A fresh copy of a `*.fhir.json` fixture, safe to mutate. */
export function fixture<K extends keyof Fixtures>(name: K): Fixtures[K] {
  return JSON.parse(
    fs.readFileSync(new URL(`./fixtures/${name}.fhir.json`, import.meta.url), 'utf8'),
  ) as Fixtures[K];
}

/** `path: text` lines, to compare issues readably. */
export function messages(issues: readonly OperationOutcomeIssue[]): string[] {
  return issues.map((i) => `${(i.expression ?? []).join(', ')}: ${i.details?.text ?? ''}`);
}

/** Removes a property the FHIR types say is required, to build a non-conforming resource. */
export function omit<T extends object>(resource: T, key: keyof T): void {
  Reflect.deleteProperty(resource, key);
}
