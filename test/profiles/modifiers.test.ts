/**
 * Drug line modifiers on the Claim draft: JW or JZ, and a 340B facility's JG or TB next to it
 * (docs/billing-rules.md, "Settings"); never JW and JZ together, never JG and TB together.
 */
import { describe, expect, it } from 'vitest';
import type { Claim } from '@medplum/fhirtypes';
import { validateWritten } from '../support/profiles/index.ts';
import { fixture, messages } from './helpers.ts';

const HCPCS = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';

function withModifiers(codes: readonly string[]): Claim {
  const claim = fixture('claim-draft');
  const line = claim.item![0]!;
  line.modifier = codes.map((code) => ({ coding: [{ system: HCPCS, code }] }));
  return claim;
}

describe('Claim line modifiers', () => {
  it.each([[['JW', 'JG']], [['JZ', 'TB']], [['JG']], [['TB']]])('%j is accepted', (codes) => {
    expect(messages(validateWritten(withModifiers(codes)))).toEqual([]);
  });

  it.each([
    [['JW', 'JZ'], /vw-claim-16 not met/],
    [['JG', 'TB'], /vw-claim-16 not met/],
    [['JW', 'JX'], /vw-claim-7 not met/],
    [['JW', 'JG', 'TB'], /max allowed = 2|vw-claim-16/],
  ])('%j is rejected', (codes, expected) => {
    expect(messages(validateWritten(withModifiers(codes))).join('\n')).toMatch(expected);
  });
});
