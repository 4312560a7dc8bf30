/** localRef: the fast path for a plain `Type/id` answers exactly as the regular expressions do. */
import { describe, expect, it } from 'vitest';
import { localRef } from '../../src/domain/fhir-values.ts';
import { FHIR_ID } from '../../src/domain/vocabulary.ts';

const SIMPLE_REF = /^[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64}$/;
/** What localRef answered before the fast path, for the inputs of the table. */
function byRegex(s: string): string | undefined {
  const found = SIMPLE_REF.test(s)
    ? s
    : /([A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(s)?.[1];
  return found && FHIR_ID.test(found.slice(found.indexOf('/') + 1)) ? found : undefined;
}

describe('localRef', () => {
  const cases = [
    'Encounter/enc-1',
    'MedicationAdministration/ma-golden-46-a',
    'Patient/a.b-C9',
    'Patient/...',
    'Patient/-',
    'Patient/',
    'P/x',
    'patient/x',
    'Pa/x',
    `A${'b'.repeat(63)}/x`,
    `A${'b'.repeat(64)}/x`,
    `Patient/${'a'.repeat(64)}`,
    `Patient/${'a'.repeat(65)}`,
    'Patient/a_b',
    'Patient/a/b',
    'Patient/1/_history/2',
    'https://fhir.example.org/R4/Encounter/e1',
    'https://fhir.example.org/R4/Encounter/e1/_history/3',
    'Encounter/e1 ',
    'Encounter/é1',
    'urn:uuid:0d5e6e2a-1c5e-4c55-9f3e-5d2b9c1f0a11',
    '#med',
    '',
  ];
  it.each(cases)('%s', (s) => {
    expect(localRef(s)).toBe(byRegex(s));
  });

  it('a few answers stated', () => {
    expect(localRef('Encounter/enc-1')).toBe('Encounter/enc-1');
    expect(localRef({ reference: 'https://x.org/fhir/Patient/p1/_history/2' })).toBe('Patient/p1');
    expect(localRef('Patient/...')).toBeUndefined();
    expect(localRef({ display: 'no reference' })).toBeUndefined();
  });
});
