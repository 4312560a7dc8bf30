import type { Bundle } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { isVialwiseError } from '../../src/domain/errors.ts';
import { nextPathBelowBase, pagesAfter } from '../../src/fhir/pager.ts';

const BASE = 'https://fhir.example.org/fhir/R4';

describe('nextPathBelowBase: which next links the pager follows', () => {
  it.each([
    // Same origin, the usual case.
    [`${BASE}/Encounter?_count=50&_offset=50`, 'Encounter?_count=50&_offset=50'],
    // HAPI's opaque paging links stay exactly as sent.
    [`${BASE}?_getpages=abc&_getpagesoffset=20&_count=20`, '?_getpages=abc&_getpagesoffset=20&_count=20'],
    // A server behind a proxy advertising its internal address: re-anchored onto the base.
    ['http://hapi:8080/fhir/R4/Encounter?_offset=20', 'Encounter?_offset=20'],
    // A relative link.
    ['Encounter?_offset=20', 'Encounter?_offset=20'],
  ])('%s -> %s', (link, path) => {
    expect(nextPathBelowBase(BASE, link)).toBe(path);
  });

  it.each([
    ['https://evil.example.com/steal?token=1'],
    ['https://fhir.example.org/other/Encounter?_offset=20'],
    ['javascript:alert(1)'],
    ['file:///etc/passwd'],
  ])('refuses %s', (link) => {
    let thrown: unknown;
    try {
      nextPathBelowBase(BASE, link);
    } catch (err) {
      thrown = err;
    }
    expect(isVialwiseError(thrown, 'fhir-paging')).toBe(true);
  });
});

describe('pagesAfter', () => {
  const page = (next?: string, id = 'x'): Bundle => ({
    resourceType: 'Bundle',
    type: 'searchset',
    id,
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
  });

  it('follows next links until there is none, lazily, through the base', async () => {
    const asked: string[] = [];
    const pages = new Map([
      ['Encounter?p=2', page(`${BASE}/Encounter?p=3`, '2')],
      ['Encounter?p=3', page(undefined, '3')],
    ]);
    const got: string[] = [];
    for await (const p of pagesAfter(BASE, page(`${BASE}/Encounter?p=2`, '1'), (path) => {
      asked.push(path);
      return Promise.resolve(pages.get(path) as Bundle);
    }))
      got.push(p.id as string);
    expect(got).toEqual(['2', '3']);
    expect(asked).toEqual(['Encounter?p=2', 'Encounter?p=3']);
  });

  it('stops a server that sends the same next link forever', async () => {
    const loop = page(`${BASE}/Encounter?p=2`);
    const read = async () => {
      for await (const _ of pagesAfter(BASE, loop, () => Promise.resolve(loop))) void _;
    };
    const err = await read().catch((e: unknown) => e);
    expect(isVialwiseError(err, 'fhir-paging')).toBe(true);
  });
});
