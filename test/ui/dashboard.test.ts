/**
 * The dashboard (pure): every figure and chart by date of service, a line as a line of a counted
 * vialwise Claim, revenue at risk by gap code and by queue, and the CSV.
 */
import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { csvCell } from '../../src/domain/csv.ts';
import { buildDashboard, dosSeries } from '../../src/ui/views/dashboard.ts';
import { dashboardCsv } from '../../src/ui/views/dashboard-csv.ts';
import {
  claim,
  claimItem,
  dashboardResources,
  ILLUSTRATIVE,
  issue,
  ma,
  MITIGATION,
  patient,
  REAL,
} from './builders.ts';

const resolved = (date: string) => [{ action: { coding: [{ system: MITIGATION, code: 'resolved' }] }, date }];

const resources: Resource[] = [
  claim('enc-a', [claimItem('J2930', 1, '2026-11-02', { mods: ['JZ'], net: 4.5 })]),
  claim('enc-b', [
    claimItem('J1745', 35, '2026-11-17', { net: 1351 }),
    claimItem('J1745', 5, '2026-11-17', { mods: ['JW'], net: 193 }),
  ]),
  claim(
    'enc-c',
    [claimItem('J1250', 1, '2026-11-04'), claimItem('J1250', 1, '2026-11-04', { mods: ['JW'], net: 12.4 })],
    'active',
  ),
  claim('enc-void', [claimItem('J2930', 9, '2026-11-05', { net: 40.5 })], 'entered-in-error'),
  claim('enc-gone', [claimItem('J2930', 2, '2026-11-05', { net: 9 })], 'cancelled'),
  {
    ...claim('not-ours', [claimItem('J2930', 99, '2026-11-05', { net: 445.5 })]),
    identifier: [{ system: 'urn:other', value: 'x' }],
  },
  // Gaps identified days after the service: the figures go by the service's date, not that day.
  issue('o1', 'wastage-undocumented', { ma: ['ma-1'], risk: 193, identified: '2026-11-20T10:00:00Z' }),
  issue('o2', 'missing-diagnosis', { ma: ['ma-2'], risk: 2.75, identified: '2026-11-21T10:00:00Z' }),
  issue('o3', 'missing-route', { ma: ['ma-2'], severity: 'moderate', identified: '2026-11-21T11:00:00Z' }),
  issue('o4', 'charge-code-mismatch', { ma: ['ma-3'], risk: 4.5, identified: '2026-11-22T11:00:00Z' }),
  issue('c1', 'missing-diagnosis', {
    ma: ['ma-1'],
    risk: 4.5,
    status: 'final',
    identified: '2026-11-20T10:00:00Z',
    mitigation: resolved('2026-11-22T08:00:00Z'),
  }),
  issue('e1', 'missing-dose', {
    ma: ['ma-1'],
    status: 'entered-in-error',
    identified: '2026-11-20T10:00:00Z',
  }),
  ma('ma-1', { effectiveDateTime: '2026-11-12T09:30:00-05:00' }),
  ma('ma-2', { effectiveDateTime: '2026-11-10T21:30:00-05:00' }),
  // Late evening in New York is the next day in UTC: the date as documented counts.
  ma('ma-3', { effectiveDateTime: '2026-11-16T22:45:00-05:00' }),
];

describe('dashboard', () => {
  it('counts claims, lines, units, JW and JZ, value, revenue at risk by code and queue, and recovered revenue', () => {
    const d = buildDashboard(dashboardResources(resources), {}, ILLUSTRATIVE);
    expect(d).toMatchObject({
      claimsDrafted: 3,
      claimsByStatus: { draft: 2, active: 1 },
      lines: 5,
      units: 43,
      billedValue: 1560.9,
      unpricedLines: 1,
      jwLines: 2,
      jwUnits: 6,
      jwValue: 205.4,
      jzLines: 1,
      openGaps: 4,
      atRisk: 200.25,
      gapsFound: 5,
      gapsClosed: 1,
      recovered: 4.5,
      pricesIllustrative: true,
      priceNote: 'ILLUSTRATIVE demo prices, not CMS payment limits',
      truncated: false,
    });
    expect(d.atRiskByCode).toEqual([
      {
        code: 'wastage-undocumented',
        display: 'Wastage not documented',
        severity: 'high',
        queue: 'clinical-documentation',
        open: 1,
        estimated: 1,
        atRisk: 193,
        basis: expect.objectContaining({
          illustrative: true,
          sources: expect.arrayContaining(['illustrative']),
        }),
      },
      {
        code: 'charge-code-mismatch',
        display: 'Posted charge has the wrong code',
        severity: 'high',
        queue: 'charge-correction',
        open: 1,
        estimated: 1,
        atRisk: 4.5,
        basis: expect.objectContaining({
          illustrative: true,
          sources: expect.arrayContaining(['illustrative']),
        }),
      },
      {
        code: 'missing-diagnosis',
        display: 'Missing diagnosis',
        severity: 'high',
        queue: 'clinical-documentation',
        open: 1,
        estimated: 1,
        atRisk: 2.75,
        basis: expect.objectContaining({
          illustrative: true,
          sources: expect.arrayContaining(['illustrative']),
        }),
      },
      {
        code: 'missing-route',
        display: 'Missing route',
        severity: 'moderate',
        queue: 'clinical-documentation',
        open: 1,
        estimated: 0,
        atRisk: 0,
        // No estimate, no basis to state.
        basis: expect.objectContaining({ sources: [], label: '' }),
      },
    ]);
    const illustrative = expect.objectContaining({ illustrative: true });
    expect(d.byQueue).toEqual([
      {
        id: 'clinical-documentation',
        label: 'Clinical documentation',
        open: 3,
        atRisk: 195.75,
        basis: illustrative,
      },
      { id: 'charge-correction', label: 'Charge correction', open: 1, atRisk: 4.5, basis: illustrative },
      {
        id: 'registration-coverage',
        label: 'Registration and coverage',
        open: 0,
        atRisk: 0,
        basis: expect.objectContaining({ sources: [] }),
      },
    ]);
    expect(d.topCodes).toEqual([
      { code: 'J1745', lines: 2, units: 40, jwUnits: 5, value: 1544, basis: illustrative },
      { code: 'J1250', lines: 2, units: 2, jwUnits: 1, value: 12.4, basis: illustrative },
      { code: 'J2930', lines: 1, units: 1, jwUnits: 0, value: 4.5, basis: illustrative },
    ]);
    expect(d.series.bucket).toBe('day');
    expect(d.series.points[0]).toEqual({ date: '2026-11-02', open: 0, closed: 0, lines: 1 });
    expect(d.series.points.at(-1)).toEqual({ date: '2026-11-17', open: 0, closed: 0, lines: 2 });
    expect(d.series.points.filter((p) => p.open || p.closed || p.lines)).toEqual([
      { date: '2026-11-02', open: 0, closed: 0, lines: 1 },
      { date: '2026-11-04', open: 0, closed: 0, lines: 2 },
      { date: '2026-11-10', open: 2, closed: 0, lines: 0 },
      { date: '2026-11-12', open: 1, closed: 1, lines: 0 },
      { date: '2026-11-16', open: 1, closed: 0, lines: 0 },
      { date: '2026-11-17', open: 0, closed: 0, lines: 2 },
    ]);
    // The chart holds exactly the figures beside it.
    const sum = (k: 'open' | 'closed' | 'lines') => d.series.points.reduce((n, p) => n + p[k], 0);
    expect([sum('open'), sum('closed'), sum('lines')]).toEqual([d.openGaps, d.gapsClosed, d.lines]);
  });

  it('counts everything in a range by date of service: the figures and the chart agree', () => {
    const d = buildDashboard(dashboardResources(resources), { from: '2026-11-11', to: '2026-11-21' }, REAL);
    expect(d).toMatchObject({
      claimsDrafted: 1,
      lines: 2,
      units: 40,
      jwUnits: 5,
      openGaps: 2,
      atRisk: 197.5,
      gapsFound: 3,
      gapsClosed: 1,
      recovered: 4.5,
      pricesIllustrative: false,
    });
    expect(d).not.toHaveProperty('priceNote');
    expect(d.series.points[0]).toEqual({ date: '2026-11-11', open: 0, closed: 0, lines: 0 });
    expect(d.series.points.at(-1)).toEqual({ date: '2026-11-21', open: 0, closed: 0, lines: 0 });
    expect(d.series.points.find((p) => p.date === '2026-11-12')).toEqual({
      date: '2026-11-12',
      open: 1,
      closed: 1,
      lines: 0,
    });
    // Nothing about the days the gaps were identified (11-20 to 11-22).
    expect(d.series.points.find((p) => p.date === '2026-11-20')).toEqual({
      date: '2026-11-20',
      open: 0,
      closed: 0,
      lines: 0,
    });
    expect(d.series.points.reduce((n, p) => n + p.open, 0)).toBe(d.openGaps);
  });

  it('buckets by week beyond three months, by month beyond three years, and clips a range far wider than the data', () => {
    const s = dosSeries(
      [
        { date: '2026-01-05', kind: 'open' },
        { date: '2026-01-07', kind: 'open' },
        { date: '2026-03-30', kind: 'closed' },
        { date: '2026-06-03', kind: 'line' },
      ],
      { from: '2026-01-01', to: '2026-06-30' },
    );
    expect(s.bucket).toBe('week');
    expect(s.points[0]).toEqual({ date: '2025-12-29', open: 0, closed: 0, lines: 0 });
    expect(s.points.find((p) => p.date === '2026-01-05')).toEqual({
      date: '2026-01-05',
      open: 2,
      closed: 0,
      lines: 0,
    });
    expect(s.points.find((p) => p.date === '2026-03-30')).toEqual({
      date: '2026-03-30',
      open: 0,
      closed: 1,
      lines: 0,
    });
    expect(s.points.find((p) => p.date === '2026-06-01')).toEqual({
      date: '2026-06-01',
      open: 0,
      closed: 0,
      lines: 1,
    });
    expect(s.points).toHaveLength(27);

    const years = dosSeries(
      [
        { date: '2022-01-15', kind: 'line' },
        { date: '2026-11-27', kind: 'open' },
      ],
      {},
    );
    expect(years.bucket).toBe('month');
    expect(years.points[0]).toEqual({ date: '2022-01-01', open: 0, closed: 0, lines: 1 });
    expect(years.points.at(-1)).toEqual({ date: '2026-11-01', open: 1, closed: 0, lines: 0 });
    expect(years.points).toHaveLength(59);

    const wide = dosSeries([{ date: '2026-11-27', kind: 'open' }], { from: '1990-01-01', to: '2026-11-30' });
    expect(wide).toEqual({
      bucket: 'day',
      points: [
        { date: '2026-11-27', open: 1, closed: 0, lines: 0 },
        { date: '2026-11-28', open: 0, closed: 0, lines: 0 },
        { date: '2026-11-29', open: 0, closed: 0, lines: 0 },
        { date: '2026-11-30', open: 0, closed: 0, lines: 0 },
      ],
    });
    expect(dosSeries([], {})).toEqual({ bucket: 'day', points: [] });
  });
});

describe('dashboard CSV', () => {
  it('quotes per RFC 4180 and defuses spreadsheet formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(-4.5)).toBe('-4.5');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(Number.NaN)).toBe('');
  });

  it('holds the dashboard figures by date of service, labels illustrative money, and no patient data', () => {
    const list: Resource[] = [
      claim('enc-b', [
        claimItem('J1745', 35, '2026-11-17', { net: 1351 }),
        claimItem('J1745', 5, '2026-11-17', { mods: ['JW'], net: 193 }),
      ]),
      issue('o1', 'wastage-undocumented', { ma: ['ma-1'], risk: 193 }),
      issue('o2', 'missing-route', { ma: ['ma-1'] }),
      ma('ma-1'),
      patient('pat-1', 'Canary McCanaryface'),
    ];
    const d = buildDashboard(
      dashboardResources(list),
      { from: '2026-11-01', to: '2026-11-30' },
      ILLUSTRATIVE,
    );
    const csv = dashboardCsv(d);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('section,metric,code,date,count,units,amount_usd,prices');
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(lines).toContain('range,from,,2026-11-01,,,,');
    expect(lines).toContain('note,prices,,,,,,"ILLUSTRATIVE demo prices, not CMS payment limits"');
    expect(lines).toContain('summary,claims_drafted,,,1,,,');
    expect(lines).toContain('summary,lines,,,2,40,1544,ILLUSTRATIVE');
    expect(lines).toContain('summary,jw_captured,,,1,5,193,ILLUSTRATIVE');
    expect(lines).toContain('summary,revenue_at_risk,,,2,,193,ILLUSTRATIVE');
    expect(lines).toContain('summary,gaps_found,,,2,,,');
    expect(lines).toContain(
      'at_risk_by_queue,Clinical documentation,clinical-documentation,,2,,193,ILLUSTRATIVE',
    );
    expect(lines).toContain('at_risk_by_queue,Charge correction,charge-correction,,0,,0,ILLUSTRATIVE');
    expect(lines).toContain(
      'at_risk_by_gap_code,Wastage not documented,wastage-undocumented,,1,,193,ILLUSTRATIVE',
    );
    expect(lines).toContain('at_risk_by_gap_code,Missing route,missing-route,,1,,,not estimated');
    expect(lines).toContain('top_codes,lines,J1745,,2,40,1544,ILLUSTRATIVE');
    expect(lines).toContain('by_date_of_service,open_gaps_per_day,,2026-11-10,2,,,');
    expect(lines).toContain('by_date_of_service,lines_per_day,,2026-11-17,2,,,');
    expect(lines).toContain('by_date_of_service,closed_gaps_per_day,,2026-11-01,0,,,');
    expect(lines).not.toContain('by_date_of_service,open_gaps_per_day,,2026-11-27,2,,,');
    expect(csv).not.toMatch(/Canary|pat-1|ma-1/);
    const real = dashboardCsv(buildDashboard(dashboardResources(list), {}, REAL));
    expect(real).not.toMatch(/ILLUSTRATIVE/);
    expect(real).toContain('range,from,,all,,,,');
  });
});
