/**
 * The webhook signature check itself (SPEC section 9: constant-time compare). Every comparison,
 * whatever the input, goes through crypto.timingSafeEqual on equal-length digests, exactly once:
 * there is no early return on a wrong length or on the first differing byte.
 */
import { createHmac } from 'node:crypto';
import type * as Crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, test, vi } from 'vitest';

const calls = vi.hoisted(() => ({ lengths: [] as [number, number][] }));

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof Crypto>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.lengths.push([a.byteLength, b.byteLength]);
      return actual.timingSafeEqual(a, b);
    },
  };
});

const { bearerMatches, hmacHex, isAuthorized } = await import('../../src/http/signature.ts');

const SECRET = 'unit-secret-0123456789abcdefghij';
const BODY = Buffer.from('{"resourceType":"MedicationAdministration","id":"ma-1"}');
const GOOD = createHmac('sha256', SECRET).update(BODY).digest('hex');

function flip(hex: string, at: number): string {
  const c = hex[at] === '0' ? '1' : '0';
  return hex.slice(0, at) + c + hex.slice(at + 1);
}

describe('isAuthorized', () => {
  beforeEach(() => {
    calls.lengths.length = 0;
  });

  test('hmacHex is the hex HMAC-SHA256 of the raw body', () => {
    expect(hmacHex(SECRET, BODY)).toBe(GOOD);
    expect(GOOD).toMatch(/^[0-9a-f]{64}$/);
  });

  const cases: [string, string | undefined, string | undefined, boolean][] = [
    ['right signature', GOOD, undefined, true],
    ['right signature in upper-case hex (accepted, like any hex)', GOOD.toUpperCase(), undefined, true],
    ['first hex digit differs', flip(GOOD, 0), undefined, false],
    ['last hex digit differs', flip(GOOD, 63), undefined, false],
    ['one digit short', GOOD.slice(0, 63), undefined, false],
    ['one digit too many', GOOD + '0', undefined, false],
    ['a single character', 'a', undefined, false],
    ['sha256= prefix (not this protocol)', `sha256=${GOOD}`, undefined, false],
    [
      'signature of another secret',
      createHmac('sha256', 'other').update(BODY).digest('hex'),
      undefined,
      false,
    ],
    ['base64 instead of hex', createHmac('sha256', SECRET).update(BODY).digest('base64'), undefined, false],
    ['bearer secret', undefined, `Bearer ${SECRET}`, true],
    ['bearer with a lower-case scheme', undefined, `bearer ${SECRET}`, true],
    ['bearer, first character differs', undefined, `Bearer X${SECRET.slice(1)}`, false],
    ['bearer, last character differs', undefined, `Bearer ${SECRET.slice(0, -1)}X`, false],
    ['bearer, a prefix of the secret', undefined, `Bearer ${SECRET.slice(0, 10)}`, false],
    ['bearer, the secret and more', undefined, `Bearer ${SECRET}x`, false],
  ];

  test.each(cases)('%s -> %s', (_name, signature, authorization, expected) => {
    expect(isAuthorized(SECRET, BODY, signature, authorization)).toBe(expected);
    // Exactly one constant-time comparison, of two 32-byte digests, whatever the input length.
    expect(calls.lengths).toEqual([[32, 32]]);
  });

  const refused: [string, string | undefined, string | undefined][] = [
    ['nothing', undefined, undefined],
    ['empty signature, no authorization', '', undefined],
    ['empty bearer', undefined, 'Bearer '],
    ['Basic with the secret', undefined, `Basic ${Buffer.from(`vialwise:${SECRET}`).toString('base64')}`],
    ['the secret without a scheme', undefined, SECRET],
  ];

  test.each(refused)('%s is refused', (_name, signature, authorization) => {
    expect(isAuthorized(SECRET, BODY, signature, authorization)).toBe(false);
  });

  test('a present but wrong signature is not rescued by a right bearer token', () => {
    expect(isAuthorized(SECRET, BODY, flip(GOOD, 10), `Bearer ${SECRET}`)).toBe(false);
  });

  test('the signature covers the raw bytes: the same JSON serialised differently fails', () => {
    const pretty = Buffer.from(JSON.stringify(JSON.parse(BODY.toString()), null, 2));
    const reordered = Buffer.from('{"id":"ma-1","resourceType":"MedicationAdministration"}');
    expect(isAuthorized(SECRET, pretty, GOOD, undefined)).toBe(false);
    expect(isAuthorized(SECRET, reordered, GOOD, undefined)).toBe(false);
    expect(isAuthorized(SECRET, Buffer.concat([BODY, Buffer.from('\n')]), GOOD, undefined)).toBe(false);
  });

  test('the source compares with timingSafeEqual and never with ==, startsWith or Buffer.equals', () => {
    const source = readFileSync(new URL('../../src/http/signature.ts', import.meta.url), 'utf8').replace(
      /\/\/.*$|\/\*[\s\S]*?\*\//gm,
      '',
    );
    expect(source).toMatch(/timingSafeEqual\(/);
    expect(source).not.toMatch(/\.equals\(|\.compare\(|localeCompare|startsWith|endsWith|indexOf|includes\(/);
    // The only equality tests left are type checks and the length check after the constant-time compare.
    const rest = source.replace(/typeof \w+ === 'string'/g, '').replace(/\w+\.length === \w+\.length/g, '');
    expect(rest).not.toMatch(/[!=]==?/);
  });
});

describe('bearerMatches (the API token check, shared with the webhook bearer check)', () => {
  const TOKEN = 'api-token-0123456789abcdefghij';

  beforeEach(() => {
    calls.lengths.length = 0;
  });

  const compared: [string, string, boolean][] = [
    ['the token', `Bearer ${TOKEN}`, true],
    ['a lower-case scheme', `bearer ${TOKEN}`, true],
    ['spaces around', `  Bearer   ${TOKEN}  `, true],
    ['first character differs', `Bearer X${TOKEN.slice(1)}`, false],
    ['last character differs', `Bearer ${TOKEN.slice(0, -1)}X`, false],
    ['a prefix', `Bearer ${TOKEN.slice(0, 10)}`, false],
    ['the token and more', `Bearer ${TOKEN}x`, false],
    ['the token in upper case', `Bearer ${TOKEN.toUpperCase()}`, false],
    ['a single character', 'Bearer a', false],
  ];

  test.each(compared)(
    '%s -> %s, in one constant-time comparison of equal-length digests',
    (_n, header, expected) => {
      expect(bearerMatches(TOKEN, header)).toBe(expected);
      expect(calls.lengths).toEqual([[32, 32]]);
    },
  );

  test.each([
    ['nothing', undefined],
    ['an empty header', ''],
    ['Bearer with no token', 'Bearer '],
    ['the token without a scheme', TOKEN],
    ['Basic with the token', `Basic ${Buffer.from(`vialwise:${TOKEN}`).toString('base64')}`],
    ['another scheme', `Token ${TOKEN}`],
  ])('%s is refused', (_n, header) => {
    expect(bearerMatches(TOKEN, header)).toBe(false);
  });
});
