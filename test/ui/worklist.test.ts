/** The worklist's rows (pure): what each says, payer, MRN, account, aging, owner; the CSV. Filters, sorting, pages: worklist-filters.test.ts. */
import type { ChargeItem, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { worklistRows } from '../../src/ui/views/worklist.ts';
import { WORKLIST_CSV_HEADER, worklistCsv } from '../../src/ui/views/worklist-csv.ts';
import {
  coverage,
  encounter,
  gapResources,
  HCPCS,
  issue,
  ma,
  medication,
  MITIGATION,
  patient,
  payer,
  task,
} from './builders.ts';

const AS_OF = '2026-12-01';
const rowsOf = (resources: Resource[]) => worklistRows(gapResources(resources), AS_OF);

describe('worklist rows', () => {
  const resources: Resource[] = [
    issue('di-1', 'missing-diagnosis', { ma: ['ma-1'], extra: ['Claim/claim-1'], risk: 2.75 }),
    ma('ma-1'),
    medication,
    {
      ...encounter('enc-1', '2026-11-10T21:05:00-05:00'),
      identifier: [
        {
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'VN' }] },
          system: 'urn:oid:1.2.840.114350.1.13.0.1.7.3.698084.8',
          value: 'CSN-88412',
        },
      ],
    },
    {
      ...patient('pat-1', 'Demo Patient-NoDiagnosis'),
      identifier: [
        { system: 'urn:oid:2.16.840.1.113883.4.1', value: '000-00-0000' },
        {
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
          system: 'urn:oid:1.2.3.4',
          value: 'MRN-0005',
        },
      ],
    },
    coverage('cov-1', 'pat-1', 'medicare'),
    payer('medicare', 'Medicare Part B'),
  ];

  it('says who, what to document, what was given, the payer, aging and what is at risk', () => {
    const [row, ...rest] = rowsOf(resources);
    expect(rest).toEqual([]);
    expect(row).toMatchObject({
      id: 'di-1',
      version: 'v-di-1',
      code: 'missing-diagnosis',
      display: 'Missing diagnosis',
      severity: 'high',
      queue: 'clinical-documentation',
      detail: 'Document the missing-diagnosis.',
      dateOfService: '2026-11-10',
      agingDays: 21,
      revenueAtRisk: 2.75,
      encounter: { id: 'enc-1', class: 'EMER', start: '2026-11-10T21:05:00-05:00', account: 'CSN-88412' },
      patient: { id: 'pat-1', name: 'Demo Patient-NoDiagnosis', mrn: 'MRN-0005' },
      payer: 'Medicare Part B',
      claimId: 'claim-1',
      acknowledgements: [],
    });
    expect(row?.assignment).toBeUndefined();
    expect(row?.administrations).toEqual([
      {
        id: 'ma-1',
        drug: 'Methylprednisolone 40 mg/1 mL vial',
        dose: '40 mg',
        route: 'IV push',
        time: '2026-11-10 21:30',
        start: '2026-11-10T21:30:00-05:00',
        status: 'completed',
      },
    ]);
  });

  it('takes the payer of the coverage active on the date of service, primary first', () => {
    const rows = rowsOf([
      issue('a', 'missing-route', { ma: ['ma-1'] }),
      ma('ma-1'),
      coverage('old', 'pat-1', 'medicaid', { period: { start: '2025-01-01', end: '2025-12-31' } }),
      coverage('second', 'pat-1', 'commercial', { order: 2 }),
      coverage('first', 'pat-1', 'medicare', { order: 1 }),
      payer('medicaid', 'State Medicaid'),
      payer('commercial', 'Acme Health'),
      payer('medicare', 'Medicare Part B'),
    ]);
    expect(rows[0]?.payer).toBe('Medicare Part B');
    // Without an active coverage there is no payer (the page says "No active coverage").
    expect(rowsOf([issue('a', 'no-coverage', { ma: ['ma-1'] }), ma('ma-1')])[0]?.payer).toBeUndefined();
    // A payor known only by display, and a Coverage with no payor name at all.
    const display = rowsOf([
      issue('a', 'missing-route', { ma: ['ma-1'] }),
      ma('ma-1'),
      coverage('c', 'pat-1', 'x', { payor: [{ display: 'Blue Plan' }] }),
    ]);
    expect(display[0]?.payer).toBe('Blue Plan');
  });

  it('finds the MRN by type, then by a system that names it, then the first identifier', () => {
    const withSystem = rowsOf([
      issue('a', 'missing-route'),
      {
        ...patient('pat-1', 'P'),
        identifier: [
          { system: 'urn:other', value: 'X1', use: 'old' },
          { system: 'https://hospital.example/mrn', value: 'M-7' },
        ],
      },
    ]);
    expect(withSystem[0]?.patient?.mrn).toBe('M-7');
    const first = rowsOf([
      issue('a', 'missing-route'),
      { ...patient('pat-1', 'P'), identifier: [{ system: 'urn:x', value: 'ONLY-1' }] },
    ]);
    expect(first[0]?.patient?.mrn).toBe('ONLY-1');
  });

  it('reads contained Medications, coded drugs, rates and infusion periods, and leaves missing facts out', () => {
    const infusion = ma('ma-2', {
      medicationReference: { reference: '#m' },
      contained: [
        {
          resourceType: 'Medication',
          id: 'm',
          code: {
            coding: [
              { system: 'http://hl7.org/fhir/sid/ndc', code: '1', display: 'Dobutamine 500 mg/250 mL bag' },
            ],
          },
        },
      ],
      effectiveDateTime: undefined,
      effectivePeriod: { start: '2026-11-04T08:00:00-05:00', end: '2026-11-04T18:00:00-05:00' },
      dosage: { rateQuantity: { value: 10, unit: 'mL/h' } },
    });
    const coded = ma('ma-3', {
      medicationReference: undefined,
      medicationCodeableConcept: {
        coding: [{ system: 'http://hl7.org/fhir/sid/ndc', code: '00409-0151-01' }],
      },
      effectiveDateTime: undefined,
      effectivePeriod: { start: '2026-11-26T20:30:00-05:00' },
      dosage: {},
    });
    const rows = rowsOf([
      issue('a', 'missing-route', { ma: ['ma-2'] }),
      issue('b', 'missing-dose', { ma: ['ma-3'] }),
      infusion,
      coded,
    ]);
    const byId = new Map(rows.map((r) => [r.id, r.administrations[0]]));
    expect(byId.get('a')).toMatchObject({
      drug: 'Dobutamine 500 mg/250 mL bag',
      dose: 'at 10 mL/h',
      time: '2026-11-04 08:00 to 18:00',
    });
    expect(byId.get('a')?.route).toBeUndefined();
    expect(byId.get('b')).toMatchObject({
      drug: '00409-0151-01',
      time: 'from 2026-11-26 20:30 (no stop time)',
    });
    expect(byId.get('b')?.dose).toBeUndefined();
  });

  it('shows posted charges a gap implicates, and falls back to the encounter date and the identifier', () => {
    const charge: ChargeItem = {
      resourceType: 'ChargeItem',
      id: 'ci-1',
      status: 'billable',
      code: {
        coding: [
          { system: HCPCS, code: 'J1250' },
          { system: HCPCS, code: 'JW' },
        ],
      },
      subject: { reference: 'Patient/pat-1' },
      quantity: { value: 2 },
      occurrenceDateTime: '2026-11-16T10:45:00-05:00',
    };
    const rows = rowsOf([
      issue('d', 'charge-code-mismatch', { extra: ['ChargeItem/ci-1'] }),
      charge,
      issue('c', 'no-coverage', { enc: 'enc-2' }),
      encounter('enc-2', '2026-11-20T02:00:00-05:00'),
    ]);
    const d = rows.find((r) => r.id === 'd');
    expect(d?.charges).toEqual([
      { id: 'ci-1', code: 'J1250', modifiers: ['JW'], units: 2, date: '2026-11-16', status: 'billable' },
    ]);
    expect(d?.queue).toBe('charge-correction');
    // No Encounter read: the id still comes from the reference, the date from identified.
    expect(d?.encounter).toEqual({ id: 'enc-1' });
    expect(d?.dateOfService).toBe('2026-11-27');
    expect(d?.agingDays).toBe(4);
    expect(d?.patient).toEqual({ id: 'pat-1', name: 'Patient/pat-1' });
    const c = rows.find((r) => r.id === 'c');
    expect(c?.dateOfService).toBe('2026-11-20');
    expect(c?.queue).toBe('registration-coverage');
  });

  it('lists high severity first, then the most revenue at risk, each gap once', () => {
    const rows = rowsOf([
      issue('low', 'missing-performer', { severity: 'low' }),
      issue('mod', 'missing-route', { severity: 'moderate', risk: 50 }),
      issue('high-small', 'missing-diagnosis', { risk: 1 }),
      issue('high-big', 'wastage-undocumented', { risk: 193 }),
      issue('high-big', 'wastage-undocumented', { risk: 193 }),
    ]);
    expect(rows.map((r) => r.id)).toEqual(['high-big', 'high-small', 'mod', 'low']);
  });

  it('shows acknowledgements, not the resolution the service adds, and leaves closed gaps out', () => {
    const acked = issue('x', 'missing-route', {
      mitigation: [
        {
          action: { coding: [{ system: MITIGATION, code: 'acknowledged' }], text: 'Will chart the route' },
          date: '2026-11-27T06:00:00Z',
          author: { reference: 'Practitioner/rn', display: 'Nurse A' },
        },
        { action: { coding: [{ system: MITIGATION, code: 'resolved' }] }, date: '2026-11-27T07:00:00Z' },
      ],
    });
    const rows = rowsOf([acked, issue('closed', 'missing-dose', { status: 'final' })]);
    expect(rows.map((r) => r.id)).toEqual(['x']);
    expect(rows[0]?.acknowledgements).toEqual([
      { date: '2026-11-27T06:00:00Z', author: 'Nurse A', note: 'Will chart the route' },
    ]);
  });

  it('shows the owner from the gap assignment Task, the latest when there are two', () => {
    const rows = rowsOf([
      issue('a', 'missing-route'),
      issue('b', 'missing-dose'),
      issue('c', 'missing-diagnosis'),
      task('a', { reference: 'Practitioner/rn-1', display: 'Nurse Alpha' }),
      task('b', undefined),
      { ...task('c', { display: 'Old Owner' }), id: 't-old', lastModified: '2026-11-01T00:00:00Z' },
      { ...task('c', { display: 'New Owner' }), id: 't-new', lastModified: '2026-11-29T00:00:00Z' },
      // Not an assignment Task: ignored.
      {
        ...task('a', { display: 'Someone else' }),
        id: 'foreign',
        identifier: [{ system: 'urn:x', value: 'a' }],
      },
    ]);
    const byId = new Map(rows.map((r) => [r.id, r.assignment]));
    expect(byId.get('a')).toEqual({
      id: 'task-a',
      version: 'tv-a',
      owner: { reference: 'Practitioner/rn-1', display: 'Nurse Alpha' },
      since: '2026-11-30T10:00:00Z',
    });
    expect(byId.get('b')).toEqual({ id: 'task-b', version: 'tv-b', since: '2026-11-30T10:00:00Z' });
    expect(byId.get('c')?.owner?.display).toBe('New Owner');
  });
});

describe('worklist CSV', () => {
  it('has one line per row with what people work from, guarded against formulas', () => {
    const rows = rowsOf([
      issue('a', 'missing-route', { ma: ['ma-1'], risk: 4.5 }),
      ma('ma-1'),
      medication,
      {
        ...patient('pat-1', '=HYPERLINK("http://evil","Click")'),
        identifier: [{ system: 'urn:mrn', value: '@SUM(1)' }],
      },
      task('a', { display: '+Owner' }),
    ]);
    const csv = worklistCsv(rows, true);
    const lines = csv.split('\r\n');
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(lines[0]).toBe(WORKLIST_CSV_HEADER.join(','));
    expect(lines[1]).toBe(
      [
        'a',
        'Clinical documentation',
        'high',
        'missing-route',
        'Missing route',
        'Document the missing-route.',
        `"'=HYPERLINK(""http://evil"",""Click"")"`,
        "'@SUM(1)",
        '',
        'no active coverage',
        '2026-11-10',
        '21',
        '4.5',
        'ILLUSTRATIVE',
        "'+Owner",
        '',
        'enc-1',
        'Methylprednisolone 40 mg/1 mL vial',
        '40 mg',
        'IV push',
        '2026-11-10 21:30',
      ].join(','),
    );
    expect(worklistCsv([], false)).toBe(`${WORKLIST_CSV_HEADER.join(',')}\r\n`);
  });
});
