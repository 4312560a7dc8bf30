import { describe, expect, it } from 'vitest';
import { csvCell, csvRow, looksLikeFormula } from '../../src/domain/csv.ts';

describe('csvCell: RFC 4180 quoting and the spreadsheet formula guard', () => {
  it.each([
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ["+cmd|' /C calc'!A0", `'+cmd|' /C calc'!A0`],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\n=1+1', `"'\n=1+1"`],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1', `"'\r=1"`],
    ['  =1+1', "'  =1+1"],
    ['\u00a0=1', "'\u00a0=1"],
    ['\uff1dSUM(A1)', "'\uff1dSUM(A1)"],
    ['\uff0b1', "'\uff0b1"],
    ['\uff0d1', "'\uff0d1"],
    ['\uff20SUM(A1)', "'\uff20SUM(A1)"],
    ['\ufeff=1', "'\ufeff=1"],
  ])('guards %j', (input, expected) => {
    expect(looksLikeFormula(input)).toBe(true);
    expect(csvCell(input)).toBe(expected);
  });

  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['J1745 x 35', 'J1745 x 35'],
    ['2025-11-10', '2025-11-10'],
    ['a=b', 'a=b'],
  ])('leaves %j alone apart from quoting', (input, expected) => {
    expect(looksLikeFormula(input)).toBe(false);
    expect(csvCell(input)).toBe(expected);
  });

  it('writes numbers and booleans as they are, and nothing for undefined or non-finite numbers', () => {
    expect(csvCell(-4.5)).toBe('-4.5');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(Number.NaN)).toBe('');
    expect(csvRow(['=1', 2, undefined, 'x'])).toBe("'=1,2,,x");
  });
});
