/**
 * Nesting depth checked on a body's raw bytes before it is parsed (issue 12 item 12): brackets
 * inside strings and escaped quotes do not count, any UTF-8 passes through, and a megabyte of
 * brackets is refused in one linear scan.
 */
import { describe, expect, it } from 'vitest';
import { isVialwiseError } from '../../src/domain/errors.ts';
import { jsonDepthExceeds, parseJsonBody } from '../../src/evaluate/json-body.ts';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('jsonDepthExceeds', () => {
  it.each([
    ['64 levels', nest(64), false],
    ['65 levels', nest(65), true],
    ['objects and arrays mixed', '{"a":'.repeat(40) + nest(30) + '}'.repeat(40), true],
    ['brackets inside a string', JSON.stringify({ text: '['.repeat(500) }), false],
    ['an escaped quote does not end the string', JSON.stringify({ t: '\\"[[[[' + '['.repeat(100) }), false],
    ['a backslash at the end of a string', JSON.stringify({ t: 'x\\' }) + nest(2), false],
    ['multi-byte UTF-8 around brackets', JSON.stringify({ 名前: '［［［'.repeat(100), v: nest(3) }), false],
    ['siblings do not add up', '[' + Array.from({ length: 1000 }, () => nest(10)).join(',') + ']', false],
  ])('%s', (_name, text, deeper) => {
    expect(jsonDepthExceeds(bytes(text))).toBe(deeper);
  });
});

describe('parseJsonBody', () => {
  it('refuses a 1 MiB nest with vialwise words, fast', () => {
    const deep = bytes(nest(512 * 1024));
    const started = performance.now();
    let thrown: unknown;
    try {
      parseJsonBody(deep);
    } catch (err) {
      thrown = err;
    }
    expect(isVialwiseError(thrown, 'invalid-body')).toBe(true);
    expect((thrown as { publicText?: string }).publicText).toMatch(/nested deeper than 64/);
    // Printed, not asserted: one scan of a megabyte.
    console.log(`depth check of 1 MiB of brackets: ${(performance.now() - started).toFixed(1)} ms`);
  });

  it('refuses invalid UTF-8 and a byte order mark rather than repairing them', () => {
    for (const raw of [Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), bytes('\uFEFF{}')]) {
      let thrown: unknown;
      try {
        parseJsonBody(raw);
      } catch (err) {
        thrown = err;
      }
      expect(isVialwiseError(thrown, 'invalid-body')).toBe(true);
    }
  });

  it('parses what is within the limit', () => {
    expect(parseJsonBody(bytes(nest(64)))).toBeDefined();
    expect(parseJsonBody(bytes('{"resourceType":"Bundle","entry":[]}'))).toEqual({
      resourceType: 'Bundle',
      entry: [],
    });
  });
});
