/** The data the UI's pages are built from: worklist rows and filters, acknowledgements, the encounter view, the dashboard and its CSV. */
import type {
  ChargeItem,
  Claim,
  ClaimItem,
  DetectedIssue,
  Encounter,
  Medication,
  MedicationAdministration,
  Patient,
  Resource,
} from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../src/domain/types.ts';
import {
  acknowledgeIssue,
  buildDashboard,
  buildWorklist,
  dashboardCsv,
  encounterView,
  filterWorklist,
  FilterError,
  gapSeries,
  parseAcknowledgeRequest,
  parseWorklistFilter,
  practitionerOptions,
  worklistOptions,
  worklistRows,
  type EncounterViewInput,
  type PriceInfo,
  type WorklistRow,
} from '../../src/ui/data.ts';
import { csvCell } from '../../src/domain/csv.ts';

const GAP_SID = 'https://vialwise.dev/fhir/sid/documentation-gap';
const GAP_CS = 'https://vialwise.dev/fhir/CodeSystem/documentation-gap';
const MITIGATION = 'https://vialwise.dev/fhir/CodeSystem/gap-mitigation';
const RISK = 'https://vialwise.dev/fhir/StructureDefinition/revenue-at-risk';
const HCPCS = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
const NDC = 'http://hl7.org/fhir/sid/ndc';

const ILLUSTRATIVE: PriceInfo = { anyIllustrative: true, illustrative: () => true };
const REAL: PriceInfo = { anyIllustrative: false, illustrative: () => false };

function issue(
  id: string,
  code: string,
  opts: {
    enc?: string;
    ma?: string[];
    extra?: string[];
    risk?: number;
    severity?: DetectedIssue['severity'];
    status?: DetectedIssue['status'];
    identified?: string;
    patient?: string;
    mitigation?: DetectedIssue['mitigation'];
    version?: string;
  } = {},
): DetectedIssue {
  const enc = opts.enc ?? 'enc-1';
  return {
    resourceType: 'DetectedIssue',
    id,
    meta: { versionId: opts.version ?? `v-${id}` },
    ...(opts.risk !== undefined
      ? { extension: [{ url: RISK, valueMoney: { value: opts.risk, currency: 'USD' } }] }
      : {}),
    identifier: [{ system: GAP_SID, value: `${enc}:${code}:${opts.ma?.[0] ?? 'line'}` }],
    status: opts.status ?? 'preliminary',
    code: { coding: [{ system: GAP_CS, code }] },
    severity: opts.severity ?? 'high',
    patient: { reference: `Patient/${opts.patient ?? 'pat-1'}` },
    identifiedDateTime: opts.identified ?? '2026-11-27T05:00:00.000Z',
    author: { display: 'vialwise' },
    implicated: [
      ...(opts.ma ?? []).map((m) => ({ reference: `MedicationAdministration/${m}` })),
      ...(opts.extra ?? []).map((reference) => ({ reference })),
      { reference: `Encounter/${enc}` },
    ],
    detail: `Document the ${code}.`,
    ...(opts.mitigation ? { mitigation: opts.mitigation } : {}),
  };
}

const patient = (id: string, text: string): Patient => ({
  resourceType: 'Patient',
  id,
  name: [{ use: 'official', text }],
});
const encounter = (id: string, start: string, pat = 'pat-1'): Encounter => ({
  resourceType: 'Encounter',
  id,
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' },
  subject: { reference: `Patient/${pat}` },
  period: { start },
});
const medication: Medication = {
  resourceType: 'Medication',
  id: 'med-1',
  code: {
    coding: [{ system: NDC, code: '00143-9753-01', display: 'coding display' }],
    text: 'Methylprednisolone 40 mg/1 mL vial',
  },
};
const ma = (id: string, extra: Partial<MedicationAdministration> = {}): MedicationAdministration => ({
  resourceType: 'MedicationAdministration',
  id,
  status: 'completed',
  medicationReference: { reference: 'Medication/med-1' },
  subject: { reference: 'Patient/pat-1' },
  context: { reference: 'Encounter/enc-1' },
  effectiveDateTime: '2026-11-10T21:30:00-05:00',
  dosage: {
    route: { text: 'IV push' },
    dose: { value: 40, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
  },
  ...extra,
});

describe('worklist rows', () => {
  const resources: Resource[] = [
    issue('di-1', 'missing-diagnosis', { ma: ['ma-1'], extra: ['Claim/claim-1'], risk: 2.75 }),
    ma('ma-1'),
    medication,
    encounter('enc-1', '2026-11-10T21:05:00-05:00'),
    patient('pat-1', 'Demo Patient-NoDiagnosis'),
  ];

  it('says what to document, what was given (drug, dose, route, time) and what is at risk', () => {
    const [row, ...rest] = worklistRows(resources);
    expect(rest).toEqual([]);
    expect(row).toMatchObject({
      id: 'di-1',
      version: 'v-di-1',
      code: 'missing-diagnosis',
      display: 'Missing diagnosis',
      severity: 'high',
      detail: 'Document the missing-diagnosis.',
      dateOfService: '2026-11-10',
      revenueAtRisk: 2.75,
      encounter: { id: 'enc-1', class: 'EMER', start: '2026-11-10T21:05:00-05:00' },
      patient: { id: 'pat-1', name: 'Demo Patient-NoDiagnosis' },
      claimId: 'claim-1',
      acknowledgements: [],
    });
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

  it('reads contained Medications, coded drugs, rates and infusion periods, and leaves missing facts out', () => {
    const infusion = ma('ma-2', {
      medicationReference: { reference: '#m' },
      contained: [
        {
          resourceType: 'Medication',
          id: 'm',
          code: { coding: [{ system: NDC, code: '1', display: 'Dobutamine 500 mg/250 mL bag' }] },
        },
      ],
      effectiveDateTime: undefined,
      effectivePeriod: { start: '2026-11-04T08:00:00-05:00', end: '2026-11-04T18:00:00-05:00' },
      dosage: { rateQuantity: { value: 10, unit: 'mL/h' } },
    });
    const coded = ma('ma-3', {
      medicationReference: undefined,
      medicationCodeableConcept: { coding: [{ system: NDC, code: '00409-0151-01' }] },
      effectiveDateTime: undefined,
      effectivePeriod: { start: '2026-11-26T20:30:00-05:00' },
      dosage: {},
    });
    const rows = worklistRows([
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
    const noCoverage = issue('c', 'no-coverage', { enc: 'enc-2' });
    const rows = worklistRows([
      issue('d', 'charge-code-mismatch', { extra: ['ChargeItem/ci-1'] }),
      charge,
      noCoverage,
      encounter('enc-2', '2026-11-20T02:00:00-05:00'),
    ]);
    const d = rows.find((r) => r.id === 'd');
    expect(d?.charges).toEqual([
      { id: 'ci-1', code: 'J1250', modifiers: ['JW'], units: 2, date: '2026-11-16', status: 'billable' },
    ]);
    // No Encounter in the result: the id still comes from the reference, the date from identified.
    expect(d?.encounter).toEqual({ id: 'enc-1' });
    expect(d?.dateOfService).toBe('2026-11-27');
    expect(d?.patient).toEqual({ id: 'pat-1', name: 'Patient/pat-1' });
    expect(rows.find((r) => r.id === 'c')?.dateOfService).toBe('2026-11-20');
  });

  it('lists high severity first, then the most revenue at risk', () => {
    const rows = worklistRows([
      issue('low', 'missing-performer', { severity: 'low' }),
      issue('mod', 'missing-route', { severity: 'moderate', risk: 50 }),
      issue('high-small', 'missing-diagnosis', { risk: 1 }),
      issue('high-big', 'wastage-undocumented', { risk: 193 }),
    ]);
    expect(rows.map((r) => r.id)).toEqual(['high-big', 'high-small', 'mod', 'low']);
  });

  it('counts a gap once when pages of the search overlap', () => {
    const di = issue('di-1', 'missing-diagnosis');
    expect(worklistRows([di, { ...di }])).toHaveLength(1);
  });

  it('shows acknowledgements, not the resolution the service adds', () => {
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
    expect(worklistRows([acked])[0]?.acknowledgements).toEqual([
      { date: '2026-11-27T06:00:00Z', author: 'Nurse A', note: 'Will chart the route' },
    ]);
  });
});

describe('worklist filters', () => {
  const rows: WorklistRow[] = worklistRows([
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
    ma('ma-a', { effectiveDateTime: '2026-11-10T21:30:00-05:00' }),
    ma('ma-b', { effectiveDateTime: '2026-11-19T11:20:00-05:00' }),
    patient('pat-1', 'Zed Patient'),
    patient('pat-2', 'Amy Patient'),
  ]);
  const ids = (f: Parameters<typeof filterWorklist>[1]) => filterWorklist(rows, f).map((r) => r.id);

  it('filters by severity, gap code, date of service, encounter, patient and acknowledgement', () => {
    expect(ids({})).toEqual(['a', 'b', 'c']);
    expect(ids({ severity: 'low' })).toEqual(['c']);
    expect(ids({ code: 'missing-route' })).toEqual(['b']);
    expect(ids({ from: '2026-11-11' })).toEqual(['b', 'c']);
    expect(ids({ to: '2026-11-10' })).toEqual(['a']);
    expect(ids({ from: '2026-11-10', to: '2026-11-10' })).toEqual(['a']);
    expect(ids({ encounter: 'enc-2' })).toEqual(['b', 'c']);
    expect(ids({ patient: 'pat-1' })).toEqual(['a']);
    expect(ids({ acknowledged: 'yes' })).toEqual(['c']);
    expect(ids({ acknowledged: 'no' })).toEqual(['a', 'b']);
    expect(ids({ severity: 'moderate', patient: 'pat-1' })).toEqual([]);
  });

  it('validates the query string and names the bad parameter', () => {
    expect(
      parseWorklistFilter({
        severity: 'high',
        code: 'missing-route',
        from: '2026-11-01',
        to: '2026-11-30',
        encounter: 'enc-1',
        patient: 'pat-1',
        acknowledged: 'no',
      }),
    ).toEqual({
      severity: 'high',
      code: 'missing-route',
      from: '2026-11-01',
      to: '2026-11-30',
      encounter: 'enc-1',
      patient: 'pat-1',
      acknowledged: 'no',
    });
    expect(parseWorklistFilter({ severity: '', code: '' })).toEqual({});
    const bad: [Record<string, unknown>, string][] = [
      [{ severity: 'urgent' }, 'severity'],
      [{ code: 'made-up' }, 'code'],
      [{ from: '2026-02-30' }, 'from'],
      [{ to: '11/27/2026' }, 'to'],
      [{ from: '2026-12-01', to: '2026-11-01' }, 'from'],
      [{ patient: 'Demo Patient' }, 'patient'],
      [{ encounter: '../x' }, 'encounter'],
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
  });

  it('offers the choices of the unfiltered list, patients by name with their id as the value', () => {
    const options = worklistOptions(rows);
    expect(options.patients).toEqual([
      { id: 'pat-2', name: 'Amy Patient' },
      { id: 'pat-1', name: 'Zed Patient' },
    ]);
    expect(options.codes.map((c) => [c.code, c.count])).toEqual([
      ['missing-diagnosis', 1],
      ['missing-route', 1],
      ['missing-performer', 1],
    ]);
    expect(options.encounters).toEqual(['enc-1', 'enc-2']);
  });

  it('sums the revenue at risk of what is shown and labels illustrative prices', () => {
    const resources = [
      issue('a', 'missing-diagnosis', { risk: 2.75 }),
      issue('b', 'wastage-undocumented', { risk: 193, severity: 'high' }),
    ];
    const w = buildWorklist(resources, { code: 'missing-diagnosis' }, ILLUSTRATIVE);
    expect(w).toMatchObject({
      total: 2,
      atRisk: 2.75,
      pricesIllustrative: true,
      priceNote: 'ILLUSTRATIVE demo prices, not CMS payment limits',
      truncated: false,
    });
    expect(w.rows.map((r) => r.id)).toEqual(['a']);
    expect(w.options.codes).toHaveLength(2);
    expect(buildWorklist(resources, {}, REAL)).not.toHaveProperty('priceNote');
  });
});

describe('acknowledging a gap', () => {
  it('accepts a Practitioner reference or a name, with a note and the version seen', () => {
    expect(
      parseAcknowledgeRequest({
        version: 'v1',
        author: { reference: 'Practitioner/rn-1', display: 'Nurse A' },
        note: ' Will chart it ',
      }),
    ).toEqual({
      version: 'v1',
      author: { reference: 'Practitioner/rn-1', display: 'Nurse A' },
      note: 'Will chart it',
    });
    expect(
      parseAcknowledgeRequest({ version: 'v1', author: { display: 'Dr B' }, note: 'ok' }).author,
    ).toEqual({ display: 'Dr B' });
  });

  it('rejects what cannot be recorded', () => {
    const bad: unknown[] = [
      null,
      [],
      { author: { display: 'A' }, note: 'n' },
      { version: 'v"1', author: { display: 'A' }, note: 'n' },
      { version: 'v1', author: { display: 'A' }, note: '   ' },
      { version: 'v1', author: {}, note: 'n' },
      { version: 'v1', author: { reference: 'Patient/p1' }, note: 'n' },
      { version: 'v1', author: { reference: 'Device/vialwise' }, note: 'n' },
      { version: 'v1', author: { display: 'A' }, note: 'x'.repeat(2001) },
      { version: 'v1', author: { display: 'A'.repeat(201) }, note: 'n' },
    ];
    for (const body of bad)
      expect(() => parseAcknowledgeRequest(body), JSON.stringify(body)?.slice(0, 80)).toThrow();
  });

  it('appends a mitigation (acknowledged, date, author, the note as action text) and keeps everything else', () => {
    const before = issue('di-1', 'missing-diagnosis', {
      risk: 2.75,
      mitigation: [
        {
          action: { coding: [{ system: MITIGATION, code: 'acknowledged' }], text: 'first' },
          date: '2026-11-27T05:30:00Z',
          author: { display: 'Nurse' },
        },
      ],
    });
    const copy = structuredClone(before);
    const after = acknowledgeIssue(
      before,
      {
        version: 'v-di-1',
        author: { reference: 'Practitioner/md-1', display: 'Dr C' },
        note: 'Linked J45.41',
      },
      '2026-11-27T06:00:00.000Z',
    );
    expect(before).toEqual(copy);
    expect(after.mitigation).toHaveLength(2);
    expect(after.mitigation?.[1]).toEqual({
      action: {
        coding: [{ system: MITIGATION, code: 'acknowledged', display: 'Acknowledged by a clinician' }],
        text: 'Linked J45.41',
      },
      date: '2026-11-27T06:00:00.000Z',
      author: { reference: 'Practitioner/md-1', display: 'Dr C' },
    });
    expect({ ...after, mitigation: undefined }).toEqual({ ...before, mitigation: undefined });
    expect(after.status).toBe('preliminary');
  });

  it('lists active Practitioners by name for the form', () => {
    expect(
      practitionerOptions([
        {
          resourceType: 'Practitioner',
          id: 'b',
          name: [{ given: ['Demo'], family: 'Nurse-Alpha', suffix: ['RN'] }],
        },
        { resourceType: 'Practitioner', id: 'a', name: [{ text: 'Alpha MD' }] },
        { resourceType: 'Practitioner', id: 'gone', active: false, name: [{ text: 'Retired' }] },
        patient('p', 'Not a practitioner'),
      ]),
    ).toEqual([
      { reference: 'Practitioner/a', display: 'Alpha MD' },
      { reference: 'Practitioner/b', display: 'Demo Nurse-Alpha RN' },
    ]);
  });
});

function claimItem(
  code: string,
  units: number,
  date: string,
  opts: { mods?: string[]; net?: number; ndc?: string } = {},
): ClaimItem {
  return {
    sequence: 1,
    productOrService: { coding: [{ system: HCPCS, code }] },
    ...(opts.mods ? { modifier: opts.mods.map((m) => ({ coding: [{ system: HCPCS, code: m }] })) } : {}),
    servicedDate: date,
    quantity: { value: units },
    ...(opts.net !== undefined ? { net: { value: opts.net, currency: 'USD' } } : {}),
    ...(opts.ndc
      ? {
          detail: [
            {
              sequence: 1,
              productOrService: { coding: [{ system: NDC, code: opts.ndc }] },
              quantity: { value: units, unit: 'UN' },
            },
          ],
        }
      : {}),
  };
}

function claim(id: string, items: ClaimItem[], status: Claim['status'] = 'draft'): Claim {
  return {
    resourceType: 'Claim',
    id,
    identifier: [{ system: 'https://vialwise.dev/fhir/sid/claim-draft', value: `Encounter/${id}` }],
    status,
    type: { coding: [{ code: 'professional' }] },
    use: 'claim',
    patient: { reference: 'Patient/pat-1' },
    created: '2026-11-27T05:00:00Z',
    provider: { display: 'x' },
    priority: { coding: [{ code: 'normal' }] },
    insurance: [{ sequence: 1, focal: true, coverage: { reference: 'Coverage/c' } }],
    item: items,
  };
}

describe('encounter view', () => {
  const evaluation: Evaluation = {
    encounter: 'Encounter/enc-1',
    patient: 'Patient/pat-1',
    coverage: 'Coverage/c',
    payerCategory: 'medicare',
    lines: [
      {
        key: 'k1',
        code: 'J1745',
        modifiers: [],
        units: 35,
        dateOfService: '2026-11-17',
        ndc: { ndc: '57894003001', quantity: 3.5, unit: 'UN' },
        net: { value: 1351, currency: 'USD' },
        priceIllustrative: true,
        sourceAdministrations: ['MedicationAdministration/ma-1'],
      },
      {
        key: 'k2',
        code: 'J1745',
        modifiers: ['JW'],
        units: 5,
        dateOfService: '2026-11-17',
        ndc: { ndc: '57894003001', quantity: 0.5, unit: 'UN' },
        net: { value: 193, currency: 'USD' },
        priceIllustrative: true,
        sourceAdministrations: ['MedicationAdministration/ma-1'],
      },
    ],
    gaps: [
      {
        code: 'charge-modifier-missing',
        severity: 'high',
        subjectKey: 'line',
        implicated: [],
        detail: 'Post the JW line.',
        revenueAtRisk: { value: 193, currency: 'USD' },
      },
    ],
    diagnoses: ['M05.79'],
    skippedAdministrations: 0,
    enteredInError: [],
  };
  const onServer = claim('claim-1', [
    claimItem('J1745', 35, '2026-11-17', { net: 1351, ndc: '57894003001' }),
    claimItem('J1745', 5, '2026-11-17', { mods: ['JW'], net: 193, ndc: '57894003001' }),
  ]);
  const base: EncounterViewInput = {
    encounter: encounter('enc-1', '2026-11-17T08:30:00-05:00'),
    patient: patient('pat-1', 'Demo Patient-Infliximab'),
    administrations: [ma('ma-1')],
    medications: [medication],
    conditions: [
      {
        resourceType: 'Condition',
        id: 'c1',
        subject: { reference: 'Patient/pat-1' },
        code: {
          coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M05.79' }],
          text: 'Rheumatoid arthritis',
        },
      },
    ],
    chargeItems: [],
    claims: [onServer],
    issues: [issue('open-1', 'charge-modifier-missing', { risk: 193 })],
    evaluation,
  };

  it('puts derived lines, the Claim draft, charges and gaps side by side, in sync', () => {
    const v = encounterView(base, ILLUSTRATIVE);
    expect(v.derivedLines.map((l) => [l.code, l.modifiers.join(''), l.units, l.ndc])).toEqual([
      ['J1745', '', 35, '57894003001'],
      ['J1745', 'JW', 5, '57894003001'],
    ]);
    expect(v.claim?.lines.map((l) => [l.code, l.modifiers.join(''), l.units, l.net])).toEqual([
      ['J1745', '', 35, 1351],
      ['J1745', 'JW', 5, 193],
    ]);
    expect(v.inSync).toBe(true);
    expect(v.gaps.map((g) => [g.code, g.state])).toEqual([['charge-modifier-missing', 'open']]);
    expect(v.diagnoses).toEqual([{ code: 'M05.79', display: 'Rheumatoid arthritis' }]);
    expect(v.patient).toEqual({ id: 'pat-1', name: 'Demo Patient-Infliximab' });
    expect(v).toMatchObject({ pricesIllustrative: true, payerCategory: 'medicare' });
  });

  it('says when the documentation changed since the last write', () => {
    const fixed = { ...evaluation, gaps: [], lines: evaluation.lines.slice(0, 1) };
    const v = encounterView({ ...base, evaluation: fixed }, REAL);
    expect(v.inSync).toBe(false);
    const missing = encounterView({ ...base, issues: [] }, REAL);
    expect(missing.gaps.map((g) => [g.code, g.state])).toEqual([['charge-modifier-missing', 'not-written']]);
    expect(missing.inSync).toBe(false);
  });

  it('lists closed gaps after open ones, with the day they were closed', () => {
    const closed = issue('closed-1', 'missing-diagnosis', {
      status: 'final',
      mitigation: [
        { action: { coding: [{ system: MITIGATION, code: 'resolved' }] }, date: '2026-11-28T09:00:00Z' },
      ],
    });
    const v = encounterView({ ...base, issues: [closed, ...base.issues] }, REAL);
    expect(v.gaps.map((g) => [g.code, g.state, g.closed])).toEqual([
      ['charge-modifier-missing', 'open', undefined],
      ['missing-diagnosis', 'closed', '2026-11-28T09:00:00Z'],
    ]);
  });
});

describe('dashboard', () => {
  const resolved = (date: string) => [
    { action: { coding: [{ system: MITIGATION, code: 'resolved' }] }, date },
  ];
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
    {
      ...claim('not-ours', [claimItem('J2930', 99, '2026-11-05', { net: 445.5 })]),
      identifier: [{ system: 'urn:other', value: 'x' }],
    },
    issue('o1', 'wastage-undocumented', { ma: ['ma-1'], risk: 193, identified: '2026-11-20T10:00:00Z' }),
    issue('o2', 'missing-diagnosis', { ma: ['ma-2'], risk: 2.75, identified: '2026-11-21T10:00:00Z' }),
    issue('o3', 'missing-route', { ma: ['ma-2'], severity: 'moderate', identified: '2026-11-21T11:00:00Z' }),
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
  ];

  it('counts claims, lines, units, JW and JZ, value, revenue at risk by code and recovered revenue', () => {
    const d = buildDashboard(resources, {}, ILLUSTRATIVE);
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
      openGaps: 3,
      atRisk: 195.75,
      gapsOpened: 4,
      gapsClosed: 1,
      recovered: 4.5,
      pricesIllustrative: true,
      priceNote: 'ILLUSTRATIVE demo prices, not CMS payment limits',
    });
    expect(d.atRiskByCode).toEqual([
      {
        code: 'wastage-undocumented',
        display: 'Wastage not documented',
        severity: 'high',
        open: 1,
        estimated: 1,
        atRisk: 193,
      },
      {
        code: 'missing-diagnosis',
        display: 'Missing diagnosis',
        severity: 'high',
        open: 1,
        estimated: 1,
        atRisk: 2.75,
      },
      {
        code: 'missing-route',
        display: 'Missing route',
        severity: 'moderate',
        open: 1,
        estimated: 0,
        atRisk: 0,
      },
    ]);
    expect(d.topCodes).toEqual([
      { code: 'J1745', lines: 2, units: 40, jwUnits: 5, value: 1544 },
      { code: 'J1250', lines: 2, units: 2, jwUnits: 1, value: 12.4 },
      { code: 'J2930', lines: 1, units: 1, jwUnits: 0, value: 4.5 },
    ]);
    expect(d.series).toEqual({
      bucket: 'day',
      points: [
        { date: '2026-11-20', opened: 2, closed: 0 },
        { date: '2026-11-21', opened: 2, closed: 0 },
        { date: '2026-11-22', opened: 0, closed: 1 },
      ],
    });
  });

  it('counts lines and open gaps by date of service, opened and closed gaps by the day it happened', () => {
    const d = buildDashboard(resources, { from: '2026-11-11', to: '2026-11-21' }, REAL);
    expect(d).toMatchObject({
      claimsDrafted: 1,
      lines: 2,
      units: 40,
      jwUnits: 5,
      openGaps: 1,
      atRisk: 193,
      gapsOpened: 4,
      gapsClosed: 0,
      recovered: 0,
    });
    expect(d.series.points[0]).toEqual({ date: '2026-11-11', opened: 0, closed: 0 });
    expect(d.series.points.at(-1)).toEqual({ date: '2026-11-21', opened: 2, closed: 0 });
    expect(d.pricesIllustrative).toBe(false);
    expect(d).not.toHaveProperty('priceNote');
  });

  it('buckets by week beyond three months and clips a range far wider than the data', () => {
    const s = gapSeries(
      [{ opened: '2026-01-05' }, { opened: '2026-01-07', closed: '2026-03-30' }, { opened: '2026-06-03' }],
      { from: '2026-01-01', to: '2026-06-30' },
    );
    expect(s.bucket).toBe('week');
    expect(s.points[0]).toEqual({ date: '2025-12-29', opened: 0, closed: 0 });
    expect(s.points.find((p) => p.date === '2026-01-05')).toEqual({
      date: '2026-01-05',
      opened: 2,
      closed: 0,
    });
    expect(s.points.find((p) => p.date === '2026-03-30')).toEqual({
      date: '2026-03-30',
      opened: 0,
      closed: 1,
    });
    expect(s.points.reduce((n, p) => n + p.opened, 0)).toBe(3);
    expect(gapSeries([], {})).toEqual({ bucket: 'day', points: [] });
    const wide = gapSeries([{ opened: '2026-11-27' }], { from: '1990-01-01', to: '2026-11-30' });
    expect(wide.points.length).toBeLessThanOrEqual(400);
    expect(wide.points.reduce((n, p) => n + p.opened, 0)).toBe(1);
  });
});

describe('CSV', () => {
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

  it('holds the dashboard figures, labels illustrative money, and no patient data', () => {
    const resources: Resource[] = [
      claim('enc-b', [
        claimItem('J1745', 35, '2026-11-17', { net: 1351 }),
        claimItem('J1745', 5, '2026-11-17', { mods: ['JW'], net: 193 }),
      ]),
      issue('o1', 'wastage-undocumented', { ma: ['ma-1'], risk: 193 }),
      issue('o2', 'missing-route', { ma: ['ma-1'] }),
      ma('ma-1'),
      patient('pat-1', 'Canary McCanaryface'),
    ];
    const d = buildDashboard(resources, { from: '2026-11-01', to: '2026-11-30' }, ILLUSTRATIVE);
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
    expect(lines).toContain(
      'at_risk_by_gap_code,Wastage not documented,wastage-undocumented,,1,,193,ILLUSTRATIVE',
    );
    expect(lines).toContain('at_risk_by_gap_code,Missing route,missing-route,,1,,,not estimated');
    expect(lines).toContain('top_codes,lines,J1745,,2,40,1544,ILLUSTRATIVE');
    expect(lines).toContain('gaps_over_time,opened_per_day,,2026-11-27,2,,,');
    expect(lines).toContain('gaps_over_time,closed_per_day,,2026-11-01,0,,,');
    expect(csv).not.toMatch(/Canary|pat-1|ma-1/);
    const real = dashboardCsv(buildDashboard(resources, {}, REAL));
    expect(real).not.toMatch(/ILLUSTRATIVE/);
    expect(real).toContain('range,from,,all,,,,');
  });
});
