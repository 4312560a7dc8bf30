import { describe, expect, it } from 'vitest';
import type { Bundle, Claim, DetectedIssue, Medication, Resource } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '@medplum/core';
import {
  EXTENSION_URLS,
  assertWritten,
  formatIssues,
  validateAgainstProfile,
  validateWritten,
  validateWrittenBundle,
  PROFILE_URLS,
} from '../support/profiles/index.ts';
import { fixture, messages, omit } from './helpers.ts';

const HCPCS = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
const GAP_SYSTEM = 'https://vialwise.dev/fhir/CodeSystem/documentation-gap';

function item(claim: Claim, index = 0): NonNullable<Claim['item']>[number] {
  return claim.item![index]!;
}

describe('valid resources', () => {
  it('accepts the hand-built Claim draft (docs/claim-mapping.md)', () => {
    expect(messages(validateWritten(fixture('claim-draft'), { warnings: true }))).toEqual([]);
  });

  it('accepts the hand-built DetectedIssue', () => {
    expect(messages(validateWritten(fixture('documentation-gap'), { warnings: true }))).toEqual([]);
  });

  it('accepts a resolved gap with its mitigation and one without revenue at risk', () => {
    const resolved = fixture('documentation-gap');
    resolved.status = 'final';
    resolved.mitigation = [{ action: { text: 'resolved' }, date: '2025-03-05T08:00:00Z' }];
    delete resolved.extension;
    expect(messages(validateWritten(resolved))).toEqual([]);
  });

  it('accepts an institutional Claim with a JZ line and no NDC detail (ndc-missing case)', () => {
    // The institutional draft (type of bill, revenue code): a written institutional Claim must meet
    // the institutional profile too (validateWritten picks the profile of its type).
    const claim = fixture('claim-institutional');
    claim.item = [item(claim)];
    item(claim).modifier = [{ coding: [{ system: HCPCS, code: 'JZ' }] }];
    delete item(claim).detail;
    expect(messages(validateWritten(claim))).toEqual([]);
  });

  it('accepts the MedicationAdministration fixture against the input profile', () => {
    const ma = fixture('medication-administration');
    expect(messages(validateAgainstProfile(ma, PROFILE_URLS.medicationAdministration))).toEqual([]);
  });
});

type Case<T> = readonly [name: string, mutate: (resource: T) => void, expected: RegExp];

const claimCases: Case<Claim>[] = [
  ['without insurance', (c) => omit(c, 'insurance'), /Claim\.insurance: Missing required property/],
  ['with status active', (c) => (c.status = 'active'), /Claim\.status: Value did not match expected pattern/],
  ['with use preauthorization', (c) => (c.use = 'preauthorization'), /Claim\.use: Value did not match/],
  [
    'with an item missing source-administration',
    (c) => delete item(c, 1).extension,
    /Claim\.item\[1\]\.extension: Missing required property/,
  ],
  [
    'with source-administration as valueString',
    (c) => (item(c).extension = [{ url: EXTENSION_URLS.sourceAdministration, valueString: 'ma-1' }]),
    /Claim\.item\[0\]\.extension\[0\]: extension source-administration must have valueReference \(found valueString\)/,
  ],
  [
    'with source-administration pointing at a Patient',
    (c) =>
      (item(c).extension = [
        { url: EXTENSION_URLS.sourceAdministration, valueReference: { reference: 'Patient/pat-1' } },
      ]),
    /source-administration: needs a reference to a MedicationAdministration/,
  ],
  [
    'without the claim-draft identifier',
    (c) => (c.identifier = [{ system: 'urn:other', value: 'x' }]),
    /slice 'claimDraft': expected 1\.\.1, but found 0/,
  ],
  [
    'with a draft identifier that is not Encounter/<id>',
    (c) => (c.identifier![0]!.value = 'enc-amb-1'),
    /vw-claim-1 not met/,
  ],
  [
    'with an oral claim type',
    (c) =>
      (c.type = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'oral' }] }),
    /vw-claim-3 not met/,
  ],
  [
    'with two focal insurances',
    (c) => c.insurance.push({ ...c.insurance[0]!, sequence: 2 }),
    /vw-claim-2 not met/,
  ],
  [
    'with a modifier other than JW/JZ',
    (c) => (item(c, 1).modifier = [{ coding: [{ system: HCPCS, code: 'JX' }] }]),
    /vw-claim-7 not met/,
  ],
  ['with fractional units', (c) => (item(c).quantity = { value: 2.5 }), /vw-claim-5 not met/],
  [
    'with a CPT code instead of HCPCS',
    (c) =>
      (item(c).productOrService = { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '96374' }] }),
    /vw-claim-6 not met/,
  ],
  [
    'with a hyphenated NDC',
    (c) =>
      (item(c).detail![0]!.productOrService = {
        coding: [{ system: 'http://hl7.org/fhir/sid/ndc', code: '51662-1483-01' }],
      }),
    /vw-claim-9 not met/,
  ],
  [
    'with an NDC quantity without unit qualifier',
    (c) => (item(c).detail![0]!.quantity = { value: 3 }),
    /vw-claim-10 not met/,
  ],
  [
    'with a place of service outside the CMS code set',
    (c) => (item(c).locationCodeableConcept = { coding: [{ system: 'urn:local', code: 'ER' }] }),
    /vw-claim-8 not met/,
  ],
  [
    'without a date of service',
    (c) => delete item(c).servicedDate,
    /Claim\.item\[0\]\.serviced\[x\]: Missing required/,
  ],
  [
    'with a service period instead of a date',
    (c) => {
      delete item(c).servicedDate;
      item(c).servicedPeriod = { start: '2025-03-04' };
    },
    /Claim\.item\[0\]\.servicedPeriod: Claim\.item\.serviced\[x\] allows only date/,
  ],
  [
    'with a unit price in euros',
    (c) => (item(c).unitPrice = { value: 4.1, currency: 'EUR' }),
    /unitPrice\.currency: Value did not match expected pattern/,
  ],
];

const gapCases: Case<DetectedIssue>[] = [
  [
    'with a code outside the CodeSystem',
    (d) => (d.code = { coding: [{ system: GAP_SYSTEM, code: 'missing-coffee' }] }),
    /DetectedIssue\.code: 'missing-coffee' is not a code of https:\/\/vialwise\.dev\/fhir\/CodeSystem\/documentation-gap/,
  ],
  [
    'with a gap code from another system',
    (d) => (d.code = { coding: [{ system: 'urn:other', code: 'wastage-undocumented' }] }),
    /slice 'gap': expected 1\.\.1, but found 0/,
  ],
  [
    'with revenue-at-risk as valueString',
    (d) => (d.extension = [{ url: EXTENSION_URLS.revenueAtRisk, valueString: '$8.20' }]),
    /DetectedIssue\.extension\[0\]: extension revenue-at-risk must have valueMoney \(found valueString\)/,
  ],
  [
    'with revenue-at-risk in euros',
    (d) =>
      (d.extension = [{ url: EXTENSION_URLS.revenueAtRisk, valueMoney: { value: 8.2, currency: 'EUR' } }]),
    /revenue-at-risk: needs a non-negative value in USD/,
  ],
  ['with a severity the code does not have', (d) => (d.severity = 'low'), /vw-gap-severity not met/],
  ['with status mitigated', (d) => (d.status = 'mitigated'), /vw-gap-1 not met/],
  ['final without mitigation', (d) => (d.status = 'final'), /vw-gap-2 not met/],
  ['without author', (d) => omit(d, 'author'), /DetectedIssue\.author: Missing required property/],
  ['without patient', (d) => omit(d, 'patient'), /DetectedIssue\.patient: Missing required property/],
  ['without detail', (d) => omit(d, 'detail'), /DetectedIssue\.detail: Missing required property/],
  [
    'identified as a Period',
    (d) => {
      delete d.identifiedDateTime;
      d.identifiedPeriod = { start: '2025-03-04' };
    },
    /DetectedIssue\.identifiedPeriod: DetectedIssue\.identified\[x\] allows only dateTime/,
  ],
  [
    'with an identifier naming another gap',
    (d) => (d.identifier![0]!.value = 'enc-amb-1:missing-route:ma-2'),
    /the identifier names gap 'missing-route' but DetectedIssue\.code is 'wastage-undocumented'/,
  ],
  [
    'with an identifier missing its key',
    (d) => (d.identifier![0]!.value = 'enc-amb-1:wastage-undocumented'),
    /is not <Encounter id>:<gap code>:<administration id or line key>/,
  ],
  [
    'with two revenue-at-risk extensions',
    (d) => d.extension!.push({ ...d.extension![0]! }),
    /slice 'revenueAtRisk': expected 0\.\.1, but found 2/,
  ],
  [
    'with a Claim-only extension',
    (d) =>
      d.extension!.push({
        url: EXTENSION_URLS.sourceAdministration,
        valueReference: { reference: 'MedicationAdministration/ma-2' },
      }),
    /extension source-administration is allowed on Claim\.item, not on DetectedIssue/,
  ],
];

describe('a Claim that does not conform', () => {
  it.each(claimCases)('fails %s', (_name, mutate, expected) => {
    const claim = fixture('claim-draft');
    mutate(claim);
    const found = messages(validateWritten(claim));
    expect(
      found.some((m) => expected.test(m)),
      found.join('\n'),
    ).toBe(true);
  });
});

describe('a DetectedIssue that does not conform', () => {
  it.each(gapCases)('fails %s', (_name, mutate, expected) => {
    const issue = fixture('documentation-gap');
    mutate(issue);
    const found = messages(validateWritten(issue));
    expect(
      found.some((m) => expected.test(m)),
      found.join('\n'),
    ).toBe(true);
  });
});

describe('the waste extensions on the input profile', () => {
  it.each([
    [
      'discarded-amount as valueString',
      { url: EXTENSION_URLS.discardedAmount, valueString: '5 mg' },
      /must have valueQuantity/,
    ],
    [
      'discarded-amount in tablets',
      {
        url: EXTENSION_URLS.discardedAmount,
        valueQuantity: { value: 1, system: 'http://unitsofmeasure.org', code: '{tbl}' },
      },
      /discarded-amount: needs a non-negative value/,
    ],
    [
      'containers-opened as valueDecimal',
      { url: EXTENSION_URLS.containersOpened, valueDecimal: 1.5 },
      /must have valueInteger/,
    ],
    [
      'containers-opened zero',
      { url: EXTENSION_URLS.containersOpened, valueInteger: 0 },
      /containers-opened: needs a whole number/,
    ],
    [
      'container-use on the dosage',
      { url: EXTENSION_URLS.containerUse, valueCode: 'single-dose' },
      /allowed on Medication, not on/,
    ],
  ] as const)('rejects %s', (_name, extension, expected) => {
    const ma = fixture('medication-administration');
    ma.dosage!.extension = [extension];
    const found = messages(validateAgainstProfile(ma, PROFILE_URLS.medicationAdministration));
    expect(
      found.some((m) => expected.test(m)),
      found.join('\n'),
    ).toBe(true);
  });

  it('checks container-use on a contained Medication', () => {
    const ma = fixture('medication-administration');
    delete ma.medicationCodeableConcept;
    ma.medicationReference = { reference: '#med' };
    ma.contained = [
      {
        resourceType: 'Medication',
        id: 'med',
        extension: [{ url: EXTENSION_URLS.containerUse, valueCode: 'single-dose' }],
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/ndc', code: '51662-1483-01' }] },
      },
    ];
    expect(messages(validateAgainstProfile(ma, PROFILE_URLS.medicationAdministration))).toEqual([]);
    (ma.contained[0] as Medication).extension = [
      { url: EXTENSION_URLS.containerUse, valueCode: 'half-dose' },
    ];
    expect(messages(validateAgainstProfile(ma, PROFILE_URLS.medicationAdministration))).toEqual([
      'MedicationAdministration.contained[0].extension[0].valueCode: extension container-use: needs one of single-dose, multi-dose (https://vialwise.dev/fhir/CodeSystem/container-use)',
    ]);
  });
});

describe('entry points', () => {
  it('refuses resource types vialwise does not write', () => {
    const patient: Resource = { resourceType: 'Patient' };
    expect(messages(validateWritten(patient))).toEqual([
      'Patient: vialwise writes Claim and DetectedIssue only, not Patient',
    ]);
  });

  it('validates the Claims and DetectedIssues of a transaction, naming the entry', () => {
    const bad = fixture('documentation-gap');
    bad.severity = 'moderate';
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: fixture('claim-draft'), request: { method: 'POST', url: 'Claim' } },
        {
          resource: { resourceType: 'Device', status: 'active' },
          request: { method: 'POST', url: 'Device' },
        },
        { resource: bad, request: { method: 'POST', url: 'DetectedIssue' } },
      ],
    };
    const found = messages(validateWrittenBundle(bundle));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^Bundle\.entry\[2\]\.resource\.DetectedIssue: Constraint vw-gap-severity not met/,
    );
  });

  it('assertWritten throws an OperationOutcomeError listing every error', () => {
    const claim = fixture('claim-draft');
    claim.status = 'active';
    omit(claim, 'insurance');
    expect(() => assertWritten(fixture('claim-draft'))).not.toThrow();
    let thrown: unknown;
    try {
      assertWritten(claim);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OperationOutcomeError);
    const outcome = (thrown as OperationOutcomeError).outcome;
    expect(outcome.issue.length).toBeGreaterThanOrEqual(2);
    expect(formatIssues(outcome.issue)).toMatch(/error Claim\.status: Value did not match expected pattern/);
    expect(formatIssues(outcome.issue)).toMatch(/error Claim\.insurance: Missing required property/);
  });

  it('reports warnings only when asked', () => {
    const issue = fixture('documentation-gap');
    issue.author = { reference: 'Patient/pat-1' };
    expect(validateWritten(issue)).toEqual([]);
    expect(messages(validateWritten(issue, { warnings: true }))).toEqual([
      expect.stringMatching(/^DetectedIssue\.author: Invalid reference/),
    ]);
  });
});
