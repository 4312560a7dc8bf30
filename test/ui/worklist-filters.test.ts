/** The worklist's queues, filters, sorting, pages and options (pure). */
import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { GAPS, GAP_CODE_LIST } from '../../src/domain/gaps.ts';
import type { WorklistRow } from '../../src/ui/contract.ts';
import { FilterError, parsePage, parseSort, parseWorklistFilter } from '../../src/ui/filters.ts';
import { QUEUES } from '../../src/ui/queues.ts';
import {
  buildWorklist,
  filterWorklist,
  sortWorklist,
  worklistOptions,
  worklistRows,
} from '../../src/ui/views/worklist.ts';
import {
  coverage,
  gapResources,
  ILLUSTRATIVE,
  issue,
  ma,
  MITIGATION,
  patient,
  payer,
  REAL,
  task,
} from './builders.ts';

const AS_OF = '2026-12-01';
const rowsOf = (resources: Resource[]) => worklistRows(gapResources(resources), AS_OF);

describe('queues', () => {
  it('puts every gap code of the registry in one of the three queues', () => {
    const ids = QUEUES.map((q) => q.id);
    for (const code of GAP_CODE_LIST) expect(ids, code).toContain(GAPS[code].queue);
    // What nurses cannot fix stays out of their queue.
    for (const code of [
      'charge-code-mismatch',
      'charge-units-mismatch',
      'charge-modifier-missing',
      'claim-already-submitted',
      'units-exceed-mue',
    ] as const)
      expect(GAPS[code].queue).toBe('charge-correction');
    for (const code of ['no-coverage', 'prior-auth-missing'] as const)
      expect(GAPS[code].queue).toBe('registration-coverage');
    for (const code of [
      'missing-dose',
      'missing-route',
      'missing-administration-time',
      'missing-diagnosis',
      'wastage-undocumented',
    ] as const)
      expect(GAPS[code].queue).toBe('clinical-documentation');
  });
});

describe('worklist filters, sorting and pages', () => {
  const resources: Resource[] = [
    issue('a', 'missing-diagnosis', { ma: ['ma-a'], patient: 'pat-1', enc: 'enc-1', risk: 2.75 }),
    issue('b', 'missing-route', { ma: ['ma-b'], severity: 'moderate', patient: 'pat-2', enc: 'enc-2' }),
    issue('c', 'missing-performer', {
      ma: ['ma-b'],
      severity: 'low',
      patient: 'pat-2',
      enc: 'enc-2',
      mitigation: [
        {
          action: { coding: [{ system: MITIGATION, code: 'acknowledged' }] },
          date: '2026-11-27T06:00:00Z',
          author: { display: 'Nurse' },
        },
      ],
    }),
    issue('d', 'charge-units-mismatch', {
      severity: 'moderate',
      patient: 'pat-1',
      enc: 'enc-1',
      risk: 40,
      ma: ['ma-d'],
    }),
    ma('ma-a', { effectiveDateTime: '2026-11-10T21:30:00-05:00' }),
    ma('ma-b', { effectiveDateTime: '2026-11-19T11:20:00-05:00' }),
    ma('ma-d', { effectiveDateTime: '2026-11-02T08:00:00-05:00' }),
    { ...patient('pat-1', 'Zed Patient'), identifier: [{ system: 'urn:mrn', value: 'M2' }] },
    { ...patient('pat-2', 'Amy Patient'), identifier: [{ system: 'urn:mrn', value: 'M1' }] },
    coverage('cov-2', 'pat-2', 'acme'),
    payer('acme', 'Acme Health'),
    task('b', { reference: 'Practitioner/rn-1', display: 'Nurse Alpha' }),
    task('d', { display: 'Carl Reviewer' }),
  ];
  const rows: WorklistRow[] = rowsOf(resources);
  const ids = (f: Parameters<typeof filterWorklist>[1]) => filterWorklist(rows, f).map((r) => r.id);

  it('filters by queue, severity, gap code, date of service, encounter, patient, acknowledgement and owner', () => {
    expect(ids({})).toEqual(['a', 'd', 'b', 'c']);
    expect(ids({ queue: 'charge-correction' })).toEqual(['d']);
    expect(ids({ queue: 'clinical-documentation' })).toEqual(['a', 'b', 'c']);
    expect(ids({ queue: 'registration-coverage' })).toEqual([]);
    expect(ids({ severity: 'low' })).toEqual(['c']);
    expect(ids({ code: 'missing-route' })).toEqual(['b']);
    expect(ids({ from: '2026-11-11' })).toEqual(['b', 'c']);
    expect(ids({ to: '2026-11-10' })).toEqual(['a', 'd']);
    expect(ids({ from: '2026-11-10', to: '2026-11-10' })).toEqual(['a']);
    expect(ids({ encounter: 'enc-2' })).toEqual(['b', 'c']);
    expect(ids({ patient: 'pat-1' })).toEqual(['a', 'd']);
    expect(ids({ acknowledged: 'yes' })).toEqual(['c']);
    expect(ids({ acknowledged: 'no' })).toEqual(['a', 'd', 'b']);
    expect(ids({ owner: 'none' })).toEqual(['a', 'c']);
    expect(ids({ owner: 'any' })).toEqual(['d', 'b']);
    expect(ids({ owner: 'Practitioner/rn-1' })).toEqual(['b']);
    expect(ids({ owner: 'name:Carl Reviewer' })).toEqual(['d']);
    expect(ids({ severity: 'moderate', patient: 'pat-2' })).toEqual(['b']);
  });

  it('sorts by any column both ways, rows without a value last', () => {
    const by = (key: Parameters<typeof sortWorklist>[1]['key'], dir: 'asc' | 'desc' = 'asc') =>
      sortWorklist(rows, { key, dir }).map((r) => r.id);
    expect(by('patient')).toEqual(['b', 'c', 'a', 'd']);
    expect(by('patient', 'desc')).toEqual(['a', 'd', 'b', 'c']);
    expect(by('mrn')).toEqual(['b', 'c', 'a', 'd']);
    // Only pat-2 has a coverage: the others have no payer and go last both ways.
    expect(by('payer')).toEqual(['b', 'c', 'a', 'd']);
    expect(by('payer', 'desc')).toEqual(['b', 'c', 'a', 'd']);
    expect(by('dos')).toEqual(['d', 'a', 'b', 'c']);
    expect(by('aging', 'desc')).toEqual(['d', 'a', 'b', 'c']);
    expect(by('aging')).toEqual(['b', 'c', 'a', 'd']);
    expect(by('severity')).toEqual(['a', 'd', 'b', 'c']);
    expect(by('severity', 'desc')).toEqual(['c', 'd', 'b', 'a']);
    expect(by('gap')).toEqual(['a', 'c', 'b', 'd']);
    expect(by('atRisk', 'desc')).toEqual(['d', 'a', 'b', 'c']);
    expect(by('atRisk')).toEqual(['a', 'd', 'b', 'c']);
    expect(by('owner')).toEqual(['d', 'b', 'a', 'c']);
  });

  it('validates the query string and names the bad parameter', () => {
    expect(
      parseWorklistFilter({
        queue: 'charge-correction',
        severity: 'high',
        code: 'missing-route',
        from: '2026-11-01',
        to: '2026-11-30',
        encounter: 'enc-1',
        patient: 'pat-1',
        acknowledged: 'no',
        owner: 'none',
      }),
    ).toEqual({
      queue: 'charge-correction',
      severity: 'high',
      code: 'missing-route',
      from: '2026-11-01',
      to: '2026-11-30',
      encounter: 'enc-1',
      patient: 'pat-1',
      acknowledged: 'no',
      owner: 'none',
    });
    expect(parseWorklistFilter({ severity: '', code: '', queue: 'all' })).toEqual({});
    const bad: [Record<string, unknown>, string][] = [
      [{ queue: 'billing' }, 'queue'],
      [{ severity: 'urgent' }, 'severity'],
      [{ code: 'made-up' }, 'code'],
      [{ from: '2026-02-30' }, 'from'],
      [{ to: '11/27/2026' }, 'to'],
      [{ from: '2026-12-01', to: '2026-11-01' }, 'from'],
      [{ patient: 'Demo Patient' }, 'patient'],
      [{ patient: '..' }, 'patient'],
      [{ encounter: '../x' }, 'encounter'],
      [{ encounter: '.' }, 'encounter'],
      [{ acknowledged: 'maybe' }, 'acknowledged'],
      [{ code: ['missing-route', 'missing-dose'] }, 'code'],
    ];
    for (const [query, parameter] of bad) {
      expect(() => parseWorklistFilter(query), JSON.stringify(query)).toThrow(FilterError);
      try {
        parseWorklistFilter(query);
      } catch (err) {
        expect((err as FilterError).parameter).toBe(parameter);
      }
    }
    expect(() => parseWorklistFilter({ from: '2026-12-01', to: '2026-11-01' })).toThrow(/reversed/);
    expect(parseSort({})).toEqual({ key: 'severity', dir: 'asc' });
    expect(parseSort({ sort: 'aging', dir: 'desc' })).toEqual({ key: 'aging', dir: 'desc' });
    expect(() => parseSort({ sort: 'name' })).toThrow(FilterError);
    expect(() => parseSort({ sort: 'dos', dir: 'up' })).toThrow(FilterError);
    expect(parsePage({})).toEqual({ page: 1, pageSize: 50 });
    expect(parsePage({ page: '3', pageSize: '25' })).toEqual({ page: 3, pageSize: 25 });
    for (const q of [{ page: '0' }, { page: '-1' }, { page: 'x' }, { pageSize: '7' }, { pageSize: '100000' }])
      expect(() => parsePage(q), JSON.stringify(q)).toThrow(FilterError);
  });

  it('offers the choices of the unfiltered list, patients by name with their id as the value', () => {
    const options = worklistOptions(rows);
    expect(options.patients).toEqual([
      { id: 'pat-2', name: 'Amy Patient' },
      { id: 'pat-1', name: 'Zed Patient' },
    ]);
    expect(options.codes.map((c) => [c.code, c.queue, c.count])).toEqual([
      ['missing-diagnosis', 'clinical-documentation', 1],
      ['missing-route', 'clinical-documentation', 1],
      ['charge-units-mismatch', 'charge-correction', 1],
      ['missing-performer', 'clinical-documentation', 1],
    ]);
    expect(options.encounters).toEqual(['enc-1', 'enc-2']);
    expect(options.owners).toEqual([
      { value: 'name:Carl Reviewer', label: 'Carl Reviewer', count: 1 },
      { value: 'Practitioner/rn-1', label: 'Nurse Alpha', count: 1 },
    ]);
  });

  it('counts each queue, sums what matches, cuts pages and labels illustrative prices', () => {
    const w = buildWorklist(
      gapResources(resources),
      {
        filter: { queue: 'clinical-documentation' },
        sort: { key: 'severity', dir: 'asc' },
        page: 2,
        pageSize: 2,
        asOf: AS_OF,
      },
      ILLUSTRATIVE,
    );
    expect(w).toMatchObject({
      total: 4,
      matched: 3,
      atRisk: 2.75,
      page: 2,
      pageSize: 2,
      pages: 2,
      asOf: AS_OF,
      pricesIllustrative: true,
      priceNote: 'ILLUSTRATIVE demo prices, not CMS payment limits',
      truncated: false,
    });
    expect(w.rows.map((r) => r.id)).toEqual(['c']);
    expect(w.queues.map((q) => [q.id, q.open, q.atRisk])).toEqual([
      ['clinical-documentation', 3, 2.75],
      ['charge-correction', 1, 40],
      ['registration-coverage', 0, 0],
    ]);
    // The queue counts follow the other filters.
    const pat2 = buildWorklist(
      gapResources(resources),
      {
        filter: { patient: 'pat-2' },
        sort: { key: 'severity', dir: 'asc' },
        page: 9,
        pageSize: 50,
        asOf: AS_OF,
      },
      REAL,
    );
    expect(pat2.queues.map((q) => q.open)).toEqual([2, 0, 0]);
    // A page beyond the last shows the last.
    expect(pat2.page).toBe(1);
    expect(pat2).not.toHaveProperty('priceNote');
  });
});
