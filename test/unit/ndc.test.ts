import { describe, expect, it } from 'vitest';
import {
  candidatesFor10Digit,
  formatNdc,
  NdcFormatError,
  normalizeNdc,
  requireNdc,
} from '../../src/catalog/ndc.ts';

describe('normalizeNdc', () => {
  it.each([
    // BILLING.md section 4
    ['0002-7597-01', '00002759701', '4-4-2 gets a leading 0'],
    ['50242-040-62', '50242004062', '5-3-2 gets a 0 in position 6'],
    ['60575-4112-1', '60575411201', '5-4-1 gets a 0 in position 10'],
    ['63323-0258-01', '63323025801', '5-4-2 only loses its hyphens'],
    ['63323025801', '63323025801', '11 digits are already 5-4-2'],
    ['  57894-0030-01 ', '57894003001', 'surrounding spaces are ignored'],
  ])('%s -> %s (%s)', (input, expected) => {
    expect(normalizeNdc(input)).toBe(expected);
    expect(requireNdc(input)).toBe(expected);
  });

  it.each([
    ['', 'empty'],
    ['1234-56', 'two segments'],
    ['0002759701', '10 digits without hyphens: the layout is ambiguous'],
    ['000027597011', '12 digits'],
    ['0002-759-01', '4-3-2 is 9 digits'],
    ['00002-7597-001', '5-4-3'],
    ['000002-7597-01', '6-digit labeler'],
    ['0002-7597-1', '4-4-1'],
    ['00002 7597 01', 'spaces as separators'],
    ['00002-7597-0A', 'a letter'],
    ['00002--7597-01', 'a doubled hyphen'],
  ])('%j is not an NDC (%s)', (input) => {
    expect(normalizeNdc(input)).toBeUndefined();
    expect(() => requireNdc(input)).toThrow(NdcFormatError);
  });

  it('requireNdc throws an error with the stable code and the value', () => {
    try {
      requireNdc('1234-56');
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'ndc-malformed' });
      expect((err as Error).message).toContain('"1234-56"');
    }
  });
});

describe('formatNdc and candidatesFor10Digit', () => {
  it('formats 11 digits as 5-4-2', () => {
    expect(formatNdc('00002759701')).toBe('00002-7597-01');
  });

  it('gives the three 11-digit readings of an unhyphenated 10-digit NDC', () => {
    expect(candidatesFor10Digit('0002759701')).toEqual(['00002759701', '00027059701', '00027597001']);
    expect(candidatesFor10Digit('00002759701')).toEqual([]);
  });
});
