/**
 * Bad input (docs/operations.md): a table of hostile or broken inputs to `/notify` (signed correctly,
 * so they get past authentication), `PUT /notify/:type/:id`, `/api/evaluate` and
 * `/api/encounters/:id/evaluate`. Every row has its defined answer: an OperationOutcome with the
 * right status, or 200 with the documentation gap that clinically bad but well-formed data
 * raises (and no line billed from it). Around each row the Claims and DetectedIssues on the
 * embedded FHIR server are compared: nothing is written except, for rows that first store
 * hostile data on the server, what belongs to that row's own Encounter. After the corpus the
 * process still answers and no prototype was polluted.
 */
import { gzipSync } from 'node:zlib';
import type { Bundle, Claim, DetectedIssue, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Running } from '../../src/bootstrap.ts';
import {
  CLAIM_DRAFT_SID,
  claimFor,
  disableSubscriptions,
  GAP_SID,
  gapCode,
  goldenBundle,
  goldenResource,
  goldenResources,
  issuesFor,
  loadGolden,
  sign,
  TEST_SECRET,
  write,
  type HttpResult,
} from '../support/notify.ts';
import { asTransaction, searchResources, startTestService } from '../support/service.ts';

const C01 = '01-ed-asthma-methylpred-125-jz';
const C04 = '04-obs-dobutamine-weight-based';
const C24 = '24-claim-already-submitted-missing-jw';
const ENC01 = 'enc-golden-01';
const MIB = 1024 * 1024;

type Json = Record<string, unknown>;
type Route = 'notify' | 'hapi' | 'evaluate' | 'encounter';

interface Row {
  readonly name: string;
  readonly route: Route;
  /** Path below the route (`hapi`: `Type/id`; `encounter`: the id, URL-encoded as sent). */
  readonly path?: string;
  readonly body?: string | Buffer;
  /** Replaces the default `Content-Type: application/fhir+json`; `null` sends none. */
  readonly type?: string | null;
  readonly headers?: Record<string, string>;
  readonly status: 200 | 400 | 404 | 413 | 415;
  /**
   * The gap the input must raise, or `null` for none. `/api/evaluate`: in the returned evaluation;
   * `/notify` with `server`: written as a DetectedIssue of that Encounter.
   */
  readonly gap?: string | null;
  /** Billed lines expected (`/api/evaluate`: evaluation lines; with `server`: Claim items). */
  readonly lines?: number;
  /** What a 200 OperationOutcome from /notify says (e.g. how many Encounters it evaluated). */
  readonly says?: RegExp;
  /** Stored on the FHIR server before the row is sent; its Encounter's writes are expected. */
  readonly server?: { readonly encounter: string; readonly resources: Resource[] };
  /** A defect the test exposes outside this change's files (see the report): expected to fail. */
  readonly knownDefect?: string;
}

// ---------------------------------------------------------------------------------------------
// Building blocks

const json = (v: unknown): string => JSON.stringify(v);

/** Golden case 01 (methylprednisolone 125 mg, J2930 x1 JZ) as a collection Bundle, changed by `mutate`. */
function bundle01(
  mutate: (b: { ma: Json; med: Json; enc: Json; bundle: Json }) => void = () => undefined,
): Bundle {
  const b = goldenBundle(C01) as unknown as Json & { entry: { resource: Json }[] };
  const of = (type: string) => b.entry.find((e) => e.resource.resourceType === type)!.resource;
  mutate({ ma: of('MedicationAdministration'), med: of('Medication'), enc: of('Encounter'), bundle: b });
  return b as unknown as Bundle;
}

const dose = (ma: Json) => (ma.dosage as Json).dose as Json;
const ndcCoding = (med: Json) => ((med.code as Json).coding as Json[])[0]!;

/** A Bundle text with the administered dose written verbatim (for values JSON.stringify cannot produce). */
function bundle01WithDoseText(valueText: string): string {
  const sentinel = 987654321.5;
  return json(bundle01(({ ma }) => (dose(ma).value = sentinel))).replace(String(sentinel), valueText);
}

function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? '['.repeat(depth) + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Valid JSON of exactly `bytes` bytes: golden 01 padded in a meta tag. */
function padded01(bytes: number): string {
  const b = bundle01() as unknown as Json;
  b.meta = { tag: [{ code: '' }] };
  const overhead = Buffer.byteLength(json(b));
  (b.meta as { tag: Json[] }).tag[0]!.code = 'x'.repeat(bytes - overhead);
  return json(b);
}

const ma01 = (): Json => goldenResource(C01, 'MedicationAdministration') as unknown as Json;
const ma01With = (changes: Json): string => json({ ...ma01(), ...changes });

function backport(parameter: unknown, rest: unknown[] = []): string {
  return json({
    resourceType: 'Bundle',
    type: 'history',
    entry: [
      {
        fullUrl: 'urn:uuid:0b1a7c9e-35c4-4c47-9a43-2b7e5a9c1d20',
        resource: { resourceType: 'Parameters', parameter },
      },
      ...rest,
    ],
  });
}
const eventType = { name: 'type', valueCode: 'event-notification' };

/**
 * Golden case 01 copied under fresh ids (`<id>-<key>`), with its administration changed by
 * `mutate`: hostile data stored on the server, as a real FHIR server could hold it.
 */
function scenario(key: string, mutate: (ma: Json) => void): { encounter: string; resources: Resource[] } {
  const resources = JSON.parse(
    json(goldenResources(C01)).replaceAll('golden-01', `golden-01-${key}`),
  ) as Json[];
  mutate(resources.find((r) => r.resourceType === 'MedicationAdministration')!);
  return { encounter: `${ENC01}-${key}`, resources: resources as unknown as Resource[] };
}
const maOf = (s: { resources: Resource[] }) =>
  s.resources.find((r) => r.resourceType === 'MedicationAdministration')!;

const srvNegative = scenario('neg', (ma) => (dose(ma).value = -125));
const srvUnit = scenario('unit', (ma) => Object.assign(dose(ma), { code: 'furlong', unit: 'furlong' }));
const srvDate = scenario('date', (ma) => (ma.effectiveDateTime = '2025-02-30T13:32:00-05:00'));
const srvFuture = scenario('future', (ma) => (ma.effectiveDateTime = '2099-03-04T13:32:00-05:00'));
const srvCross = scenario('cross', (ma) => (ma.subject = { reference: 'Patient/pat-golden-01' }));
const srvUnicode = scenario('unicode', (ma) => {
  ma.note = [{ text: '\u202Ereversed\u200D\uD800\u0000' }];
  Object.assign(dose(ma), { unit: 'mg\u200D' });
});

/** Golden case 04 (weight-based dobutamine) with the body weight's unit code a number. */
const weightCodeNumber = (): Bundle => {
  const b = goldenBundle(C04) as unknown as { entry: { resource: Json }[] };
  const obs = b.entry.find((e) => e.resource.resourceType === 'Observation')!.resource;
  (obs.valueQuantity as Json).code = 0;
  return b as unknown as Bundle;
};

/** Golden case 24 (a submitted Claim in the Bundle) with that Claim's identifier a string. */
const claimIdentifierString = (): Bundle => {
  const b = goldenBundle(C24) as unknown as { entry: { resource: Json }[] };
  b.entry.find((e) => e.resource.resourceType === 'Claim')!.resource.identifier = 'Encounter/enc-golden-24';
  return b as unknown as Bundle;
};

// ---------------------------------------------------------------------------------------------
// The corpus

const rows: Row[] = [
  // --- /api/evaluate: bodies that are not a usable Bundle ---
  { name: 'malformed JSON', route: 'evaluate', body: '{"resourceType": "Bundle", "entry": [', status: 400 },
  { name: 'truncated Bundle', route: 'evaluate', body: json(bundle01()).slice(0, 700), status: 400 },
  { name: 'empty body', route: 'evaluate', body: '', status: 400 },
  { name: 'JSON null', route: 'evaluate', body: 'null', status: 400 },
  { name: 'JSON array', route: 'evaluate', body: '[]', status: 400 },
  {
    name: 'a Patient, not a Bundle',
    route: 'evaluate',
    body: json({ resourceType: 'Patient', id: 'p' }),
    status: 400,
  },
  {
    name: 'missing resourceType',
    route: 'evaluate',
    body: json({ ...bundle01(), resourceType: undefined }),
    status: 400,
  },
  {
    name: 'resourceType in lower case',
    route: 'evaluate',
    body: json({ ...bundle01(), resourceType: 'bundle' }),
    status: 400,
  },
  {
    name: 'Bundle without entries',
    route: 'evaluate',
    body: json({ resourceType: 'Bundle', type: 'collection' }),
    status: 400,
  },
  {
    name: 'Bundle entry is an object',
    route: 'evaluate',
    body: json({ resourceType: 'Bundle', entry: { resource: {} } }),
    status: 400,
  },
  {
    name: 'Bundle without an Encounter',
    route: 'evaluate',
    body: json(
      bundle01(
        ({ bundle }) =>
          (bundle.entry = (bundle.entry as { resource: Json }[]).filter(
            (e) => e.resource.resourceType !== 'Encounter',
          )),
      ),
    ),
    status: 400,
  },
  {
    name: 'Content-Type text/plain',
    route: 'evaluate',
    body: json(bundle01()),
    type: 'text/plain',
    status: 415,
  },
  { name: 'no Content-Type', route: 'evaluate', body: json(bundle01()), type: null, status: 415 },
  {
    name: 'Content-Type application/fhir+xml',
    route: 'evaluate',
    body: '<Bundle xmlns="http://hl7.org/fhir"/>',
    type: 'application/fhir+xml',
    status: 415,
  },
  {
    name: 'JSON declared as ISO-8859-1',
    route: 'evaluate',
    body: json(bundle01()),
    type: 'application/fhir+json; charset=iso-8859-1',
    status: 415,
  },
  {
    name: 'JSON declared as UTF-8 (accepted)',
    route: 'evaluate',
    body: json(bundle01()),
    type: 'application/fhir+json; charset=UTF-8',
    status: 200,
    gap: null,
    lines: 1,
  },
  {
    name: 'exactly 1 MiB (accepted)',
    route: 'evaluate',
    body: padded01(MIB),
    status: 200,
    gap: null,
    lines: 1,
  },
  { name: '1 MiB + 1 byte', route: 'evaluate', body: padded01(MIB + 1), status: 413 },
  {
    name: 'gzip body (accepted)',
    route: 'evaluate',
    body: gzipSync(json(bundle01())),
    headers: { 'content-encoding': 'gzip' },
    status: 200,
    gap: null,
    lines: 1,
  },
  {
    name: 'gzip bomb (5 MiB inflated)',
    route: 'evaluate',
    body: gzipSync(Buffer.alloc(5 * MIB, 0x20)),
    headers: { 'content-encoding': 'gzip' },
    status: 413,
  },
  {
    name: 'gzip header on a plain body',
    route: 'evaluate',
    body: json(bundle01()),
    headers: { 'content-encoding': 'gzip' },
    status: 400,
  },
  {
    name: 'unknown Content-Encoding',
    route: 'evaluate',
    body: json(bundle01()),
    headers: { 'content-encoding': 'compress' },
    status: 415,
  },
  { name: '10,000 nested arrays', route: 'evaluate', body: nested(10_000, 'array'), status: 400 },
  {
    name: '10,000 nested objects inside a resource',
    route: 'evaluate',
    body: json(bundle01()).replace(
      '"status":"completed"',
      `"status":"completed","extension":${nested(10_000, 'object')}`,
    ),
    status: 400,
  },
  {
    name: 'invalid UTF-8 bytes',
    route: 'evaluate',
    body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    status: 400,
  },

  // --- /api/evaluate: well-formed but clinically bad or oddly typed data ---
  {
    name: 'negative dose',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => (dose(ma).value = -125))),
    status: 200,
    gap: 'missing-dose',
    lines: 0,
  },
  {
    name: 'zero dose',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => (dose(ma).value = 0))),
    status: 200,
    gap: 'missing-dose',
    lines: 0,
  },
  {
    name: 'dose "NaN" (a string)',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => (dose(ma).value = 'NaN'))),
    status: 200,
    gap: 'missing-dose',
    lines: 0,
  },
  {
    name: 'dose "125" (a string)',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => (dose(ma).value = '125'))),
    status: 200,
    gap: 'missing-dose',
    lines: 0,
  },
  {
    name: 'dose 1e999 (Infinity)',
    route: 'evaluate',
    body: bundle01WithDoseText('1e999'),
    status: 200,
    gap: 'missing-dose',
    lines: 0,
  },
  {
    name: 'dose -1e999',
    route: 'evaluate',
    body: bundle01WithDoseText('-1e999'),
    status: 200,
    gap: 'missing-dose',
    lines: 0,
  },
  {
    name: 'dose 1e300 mg',
    route: 'evaluate',
    body: bundle01WithDoseText('1e300'),
    status: 200,
    gap: 'dose-unit-unconvertible',
    lines: 0,
  },
  {
    name: 'dose 125,000,000 mg',
    route: 'evaluate',
    body: bundle01WithDoseText('125000000'),
    status: 200,
    gap: 'dose-unit-unconvertible',
    lines: 0,
  },
  {
    name: 'dose is a string "125 mg"',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => ((ma.dosage as Json).dose = '125 mg'))),
    status: 200,
    gap: 'missing-dose',
    lines: 0,
  },
  {
    name: 'dosage is an array',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => (ma.dosage = [ma.dosage]))),
    status: 200,
    gap: 'missing-dose',
    lines: 0,
  },
  {
    name: 'unknown UCUM unit "furlong"',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => Object.assign(dose(ma), { code: 'furlong', unit: 'furlong' }))),
    status: 200,
    gap: 'dose-unit-unconvertible',
    lines: 0,
  },
  {
    name: 'unit "__proto__"',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => Object.assign(dose(ma), { code: '__proto__', unit: '__proto__' }))),
    status: 200,
    gap: 'dose-unit-unconvertible',
    lines: 0,
  },
  {
    name: 'unit "constructor"',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => Object.assign(dose(ma), { code: 'constructor', unit: 'constructor' }))),
    status: 200,
    gap: 'dose-unit-unconvertible',
    lines: 0,
  },
  {
    name: 'unit "toString" (no display)',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => Object.assign(dose(ma), { code: 'toString', unit: undefined }))),
    status: 200,
    gap: 'dose-unit-unconvertible',
    lines: 0,
  },
  {
    name: 'unit with a NUL',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => Object.assign(dose(ma), { code: 'mg\u0000', unit: 'mg\u0000' }))),
    status: 200,
    gap: 'dose-unit-unconvertible',
    lines: 0,
  },
  {
    name: 'impossible date 2025-02-30',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => (ma.effectiveDateTime = '2025-02-30T13:32:00-05:00'))),
    status: 200,
    gap: 'missing-administration-time',
    lines: 0,
  },
  {
    name: 'future date 2099',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => (ma.effectiveDateTime = '2099-03-04T13:32:00-05:00'))),
    status: 200,
    gap: 'missing-administration-time',
    lines: 0,
  },
  {
    name: 'date is a number',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => (ma.effectiveDateTime = 20250304))),
    status: 200,
    gap: 'missing-administration-time',
    lines: 0,
  },
  {
    name: 'effectivePeriod of wrong types',
    route: 'evaluate',
    body: json(
      bundle01(({ ma }) =>
        Object.assign(ma, { effectiveDateTime: undefined, effectivePeriod: { start: 5, end: {} } }),
      ),
    ),
    status: 200,
    gap: 'missing-administration-time',
    lines: 0,
  },
  {
    name: 'status is a number',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => (ma.status = 1))),
    status: 200,
    gap: null,
    lines: 0,
  },
  {
    name: 'no encounter on the administration',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => delete ma.context)),
    status: 200,
    gap: 'missing-encounter',
    lines: 0,
  },
  {
    name: 'dangling Medication reference',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => (ma.medicationReference = { reference: 'Medication/does-not-exist' }))),
    status: 200,
    gap: 'drug-not-identified',
    lines: 0,
  },
  {
    name: 'administration of another Encounter (dangling context)',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => (ma.context = { reference: 'Encounter/does-not-exist' }))),
    status: 200,
    gap: null,
    lines: 0,
  },
  {
    name: 'cross-patient administration',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => (ma.subject = { reference: 'Patient/someone-else' }))),
    status: 200,
    gap: 'patient-mismatch',
    lines: 0,
  },
  // A code that cannot be matched: the drug is still identified by its ingredient text and
  // strength, so the dose bills, but without the NDC the container status (and JZ) is unknown:
  // a wastage-undocumented gap asks for the product.
  {
    name: 'NDC code is a number',
    route: 'evaluate',
    body: json(bundle01(({ med }) => (ndcCoding(med).code = 63323025801))),
    status: 200,
    // Medicare needs JW or JZ and the container is unknown without the NDC: the gap asks for it.
    gap: 'wastage-undocumented',
    lines: 1,
  },
  {
    name: 'coding is an object, not a list',
    route: 'evaluate',
    body: json(bundle01(({ med }) => ((med.code as Json).coding = ndcCoding(med)))),
    status: 200,
    // Medicare needs JW or JZ and the container is unknown without the NDC: the gap asks for it.
    gap: 'wastage-undocumented',
    lines: 1,
  },
  {
    name: 'Medication.code is a string',
    route: 'evaluate',
    body: json(bundle01(({ med }) => (med.code = 'methylprednisolone'))),
    status: 200,
    gap: null,
    lines: 0,
  },
  {
    name: 'NDC "__proto__"',
    route: 'evaluate',
    body: json(bundle01(({ med }) => (ndcCoding(med).code = '__proto__'))),
    status: 200,
    // Medicare needs JW or JZ and the container is unknown without the NDC: the gap asks for it.
    gap: 'wastage-undocumented',
    lines: 1,
  },
  {
    name: 'NDC "constructor"',
    route: 'evaluate',
    body: json(bundle01(({ med }) => (ndcCoding(med).code = 'constructor'))),
    status: 200,
    // Medicare needs JW or JZ and the container is unknown without the NDC: the gap asks for it.
    gap: 'wastage-undocumented',
    lines: 1,
  },
  {
    name: 'NDC with a right-to-left override',
    route: 'evaluate',
    body: json(bundle01(({ med }) => (ndcCoding(med).code = '\u202E63323-0258-01'))),
    status: 200,
    // Medicare needs JW or JZ and the container is unknown without the NDC: the gap asks for it.
    gap: 'wastage-undocumented',
    lines: 1,
  },
  {
    name: 'NDC with a zero-width joiner',
    route: 'evaluate',
    body: json(bundle01(({ med }) => (ndcCoding(med).code = '63323\u200D-0258-01'))),
    status: 200,
    // Medicare needs JW or JZ and the container is unknown without the NDC: the gap asks for it.
    gap: 'wastage-undocumented',
    lines: 1,
  },
  {
    name: 'lone surrogates in id and unit display',
    route: 'evaluate',
    body: json(bundle01(({ ma }) => ((ma.id = 'ma-\uD800'), (dose(ma).unit = '\uDFFF')))),
    status: 200,
    gap: null,
    lines: 1,
  },
  {
    name: 'Encounter.class is a string',
    route: 'evaluate',
    body: json(bundle01(({ enc }) => (enc.class = 'EMER'))),
    status: 200,
    gap: null,
    lines: 1,
  },
  {
    name: 'Encounter.subject is a number',
    route: 'evaluate',
    body: json(bundle01(({ enc }) => (enc.subject = 5))),
    status: 200,
    gap: null,
    lines: 1,
  },
  {
    name: 'junk entries (null, 1, "x", resource null)',
    route: 'evaluate',
    body: json(
      bundle01(({ bundle }) =>
        (bundle.entry as unknown[]).push(null, 1, 'x', { resource: null }, { resource: [] }),
      ),
    ),
    status: 200,
    gap: null,
    lines: 1,
  },
  {
    name: '__proto__ / constructor / prototype keys',
    route: 'evaluate',
    body: json(bundle01()).replace(
      '"status":"completed"',
      '"status":"completed","__proto__":{"polluted":"yes","status":"not-done"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"}',
    ),
    status: 200,
    gap: null,
    lines: 1,
  },
  {
    name: 'body weight unit code is a number',
    route: 'evaluate',
    body: json(weightCodeNumber()),
    status: 200,
    gap: null,
    // The UCUM code is junk but the unit says kg: the weight is read from it (J1250; golden case
    // 04 is an observation stay, where J1250 is OPPS SI N: packaged, no JW line).
    lines: 1,
  },
  {
    name: 'posted Claim identifier is a string',
    route: 'evaluate',
    body: json(claimIdentifierString()),
    status: 200,
    gap: 'claim-already-submitted',
  },

  // --- /api/encounters/:id/evaluate ---
  {
    name: 'Encounter id with a right-to-left override',
    route: 'encounter',
    path: encodeURIComponent('\u202Eenc'),
    status: 400,
  },
  { name: 'Encounter id with a NUL', route: 'encounter', path: encodeURIComponent('enc\u0000'), status: 400 },
  { name: 'Encounter id of 65 characters', route: 'encounter', path: 'e'.repeat(65), status: 400 },
  { name: 'Encounter id "../.."', route: 'encounter', path: encodeURIComponent('../..'), status: 400 },
  { name: 'Encounter that does not exist', route: 'encounter', path: 'does-not-exist', status: 404 },

  // --- /notify (signed): bodies that cannot be a notification ---
  { name: 'notify: malformed JSON', route: 'notify', body: '{"resourceType":', status: 400 },
  { name: 'notify: truncated resource', route: 'notify', body: ma01With({}).slice(0, 60), status: 400 },
  { name: 'notify: text/plain', route: 'notify', body: ma01With({}), type: 'text/plain', status: 415 },
  {
    name: 'notify: form-urlencoded',
    route: 'notify',
    body: 'resourceType=MedicationAdministration',
    type: 'application/x-www-form-urlencoded',
    status: 415,
  },
  { name: 'notify: no Content-Type', route: 'notify', body: ma01With({}), type: null, status: 415 },
  {
    name: 'notify: JSON declared as UTF-16',
    route: 'notify',
    body: ma01With({}),
    type: 'application/json; charset=utf-16',
    status: 415,
  },
  {
    name: 'notify: over 1 MiB',
    route: 'notify',
    body: ma01With({ note: [{ text: 'x'.repeat(MIB) }] }),
    status: 413,
  },
  {
    name: 'notify: gzip header on a plain body',
    route: 'notify',
    body: ma01With({}),
    headers: { 'content-encoding': 'gzip' },
    status: 400,
  },
  { name: 'notify: 10,000 nested arrays', route: 'notify', body: nested(10_000, 'array'), status: 400 },
  { name: 'notify: 10,000 nested objects', route: 'notify', body: nested(10_000, 'object'), status: 400 },
  {
    name: 'notify: 500,000 nested arrays (1 MB)',
    route: 'notify',
    body: nested(500_000, 'array'),
    status: 400,
  },
  {
    name: 'notify: 65 nested levels in a resource',
    route: 'notify',
    body: ma01With({ extension: JSON.parse(nested(65, 'object')) }),
    status: 400,
  },
  {
    name: 'notify: JSON array',
    route: 'notify',
    body: '[{"resourceType":"MedicationAdministration"}]',
    status: 400,
  },
  {
    name: 'notify: JSON string',
    route: 'notify',
    body: '"MedicationAdministration/ma-golden-01-a"',
    status: 400,
  },
  { name: 'notify: JSON number', route: 'notify', body: '42', status: 400 },
  { name: 'notify: UTF-8 byte order mark', route: 'notify', body: '\uFEFF' + ma01With({}), status: 400 },
  {
    name: 'notify: missing resourceType',
    route: 'notify',
    body: ma01With({ resourceType: undefined }),
    status: 400,
  },
  {
    name: 'notify: resourceType in lower case',
    route: 'notify',
    body: ma01With({ resourceType: 'medicationAdministration' }),
    status: 400,
  },
  {
    name: 'notify: resourceType is a number',
    route: 'notify',
    body: ma01With({ resourceType: 7 }),
    status: 400,
  },
  {
    name: 'notify: resourceType is an object',
    route: 'notify',
    body: ma01With({ resourceType: { value: 'MedicationAdministration' } }),
    status: 400,
  },
  {
    name: 'notify: unknown resourceType (acknowledged, ignored)',
    route: 'notify',
    body: json({ resourceType: 'Foo', id: 'x' }),
    status: 200,
    says: /ignored 1 resource/,
  },
  {
    name: 'notify: a Patient (not watched, ignored)',
    route: 'notify',
    body: json({ resourceType: 'Patient', id: 'pat-golden-01', name: [{ text: 'Someone' }] }),
    status: 200,
    says: /ignored 1 resource/,
  },
  { name: 'notify: no id', route: 'notify', body: ma01With({ id: undefined }), status: 400 },
  { name: 'notify: id is a number', route: 'notify', body: ma01With({ id: 5 }), status: 400 },
  {
    name: 'notify: id with a right-to-left mark',
    route: 'notify',
    body: ma01With({ id: 'ma\u200Fgolden' }),
    status: 400,
  },
  {
    name: 'notify: id with a zero-width joiner',
    route: 'notify',
    body: ma01With({ id: 'ma\u200Dgolden' }),
    status: 400,
  },
  {
    name: 'notify: id with a lone surrogate',
    route: 'notify',
    body: ma01With({ id: 'ma\uD800' }),
    status: 400,
  },
  { name: 'notify: id with a NUL', route: 'notify', body: ma01With({ id: 'ma\u0000' }), status: 400 },
  {
    name: 'notify: id of 65 characters',
    route: 'notify',
    body: ma01With({ id: 'm'.repeat(65) }),
    status: 400,
  },

  // --- /notify (signed): odd but parseable notifications ---
  // A dangling Encounter is skipped (counted in metrics), not retried forever by the sender.
  {
    name: 'notify: dangling Encounter reference',
    route: 'notify',
    body: ma01With({ id: 'ma-x', context: { reference: 'Encounter/does-not-exist' } }),
    status: 200,
    says: /evaluated 0 encounter/,
  },
  {
    name: 'notify: Encounter reference with a path',
    route: 'notify',
    body: ma01With({ id: 'ma-x', context: { reference: 'Encounter/../metadata' } }),
    status: 200,
    says: /evaluated 0 encounter/,
  },
  {
    name: 'notify: Encounter reference with a query',
    route: 'notify',
    body: ma01With({ id: 'ma-x', context: { reference: 'Encounter/x?_id=enc-golden-01' } }),
    status: 200,
  },
  {
    name: 'notify: Encounter reference is a number',
    route: 'notify',
    body: ma01With({ id: 'ma-x', context: { reference: 5 } }),
    status: 200,
  },
  // Only the local part is used: the service reads its own FHIR server, never the other host.
  {
    name: 'notify: absolute reference on another host',
    route: 'notify',
    body: ma01With({ context: { reference: 'https://evil.example/fhir/Encounter/enc-golden-01' } }),
    status: 200,
    says: /evaluated 1 encounter/,
  },
  {
    name: 'notify: cross-patient subject in the body',
    route: 'notify',
    body: ma01With({ subject: { reference: 'Patient/someone-else' } }),
    status: 200,
  },
  {
    name: 'notify: subject with query characters',
    route: 'notify',
    body: ma01With({ subject: { reference: 'Patient/a&_id=b' } }),
    status: 200,
  },
  {
    name: 'notify: __proto__ / constructor / prototype keys',
    route: 'notify',
    body: ma01With({}).replace(
      '"status":"completed"',
      '"status":"completed","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"}',
    ),
    status: 200,
  },
  {
    name: 'notify: RTL, ZWJ, lone surrogate and NUL in a note',
    route: 'notify',
    body: ma01With({ note: [{ text: '\u202Eabc\u200D\uDC00\u0000' }] }),
    status: 200,
  },
  {
    name: 'notify: backport, parameter is an object',
    route: 'notify',
    body: backport({ name: 'type', valueCode: 'event-notification' }),
    status: 200,
  },
  {
    name: 'notify: backport, type is an object',
    route: 'notify',
    body: backport([{ name: 'type', valueCode: { x: 1 } }]),
    status: 200,
  },
  {
    name: 'notify: backport, part is an object',
    route: 'notify',
    body: backport([eventType, { name: 'notification-event', part: { name: 'focus' } }]),
    status: 200,
  },
  {
    name: 'notify: backport, junk entries',
    route: 'notify',
    body: backport([eventType], [null, 5, { fullUrl: 5 }, { request: 'x' }, { resource: 'x' }]),
    status: 200,
  },
  {
    name: 'notify: backport, focus does not exist',
    route: 'notify',
    body: backport([
      eventType,
      {
        name: 'notification-event',
        part: [{ name: 'focus', valueReference: { reference: 'MedicationAdministration/does-not-exist' } }],
      },
    ]),
    status: 404,
  },
  {
    name: 'notify: backport, entry is an object',
    route: 'notify',
    body: json({ resourceType: 'Bundle', type: 'history', entry: { x: 1 } }),
    status: 400,
  },

  // --- PUT /notify/:type/:id (HAPI style) ---
  {
    name: 'hapi: body id differs from the path',
    route: 'hapi',
    path: 'MedicationAdministration/ma-other',
    body: ma01With({}),
    status: 400,
  },
  {
    name: 'hapi: body type differs from the path',
    route: 'hapi',
    path: 'Encounter/ma-golden-01-a',
    body: ma01With({}),
    status: 400,
  },
  {
    name: 'hapi: id with a right-to-left override',
    route: 'hapi',
    path: `MedicationAdministration/${encodeURIComponent('\u202Ema')}`,
    body: '',
    status: 400,
  },
  {
    name: 'hapi: empty body for a missing resource',
    route: 'hapi',
    path: 'MedicationAdministration/does-not-exist',
    body: '',
    status: 404,
  },

  // --- /notify for hostile data stored on the FHIR server: the gap is written, nothing billed ---
  {
    name: 'server: negative dose',
    route: 'notify',
    server: srvNegative,
    body: json(maOf(srvNegative)),
    status: 200,
    gap: 'missing-dose',
    lines: 0,
  },
  {
    name: 'server: unknown unit',
    route: 'notify',
    server: srvUnit,
    body: json(maOf(srvUnit)),
    status: 200,
    gap: 'dose-unit-unconvertible',
    lines: 0,
  },
  {
    name: 'server: impossible date',
    route: 'notify',
    server: srvDate,
    body: json(maOf(srvDate)),
    status: 200,
    gap: 'missing-administration-time',
    lines: 0,
  },
  {
    name: 'server: future date',
    route: 'notify',
    server: srvFuture,
    body: json(maOf(srvFuture)),
    status: 200,
    gap: 'missing-administration-time',
    lines: 0,
  },
  {
    name: 'server: administration charted to another patient',
    route: 'notify',
    server: srvCross,
    body: json(maOf(srvCross)),
    status: 200,
    gap: 'patient-mismatch',
    lines: 0,
  },
  {
    name: 'server: odd Unicode in a note and the unit display',
    route: 'notify',
    server: srvUnicode,
    body: json(maOf(srvUnicode)),
    status: 200,
    gap: null,
    lines: 1,
  },
];

// ---------------------------------------------------------------------------------------------

interface Written {
  readonly version: string;
  /** The Encounter the resource belongs to, from its identifier. */
  readonly encounter: string;
}

async function allWrites(base: string): Promise<Map<string, Written>> {
  const out = new Map<string, Written>();
  for (const c of await searchResources<Claim>(base, 'Claim?_count=1000')) {
    const value = c.identifier?.find((i) => i.system === CLAIM_DRAFT_SID)?.value ?? '';
    out.set(`Claim/${c.id ?? ''}`, {
      version: c.meta?.versionId ?? '',
      encounter: value.replace(/^Encounter\//, ''),
    });
  }
  for (const d of await searchResources<DetectedIssue>(base, 'DetectedIssue?_count=1000')) {
    const value = d.identifier?.find((i) => i.system === GAP_SID)?.value ?? '';
    out.set(`DetectedIssue/${d.id ?? ''}`, {
      version: d.meta?.versionId ?? '',
      encounter: value.split(':')[0] ?? '',
    });
  }
  return out;
}

/** Encounters whose Claims or DetectedIssues were created or changed between two snapshots. */
function changedEncounters(before: Map<string, Written>, after: Map<string, Written>): string[] {
  const changed = new Set<string>();
  for (const [ref, w] of after) if (before.get(ref)?.version !== w.version) changed.add(w.encounter);
  for (const [ref, w] of before) if (!after.has(ref)) changed.add(w.encounter);
  return [...changed].sort();
}

/** Like the support `send`, but the body may be bytes (invalid UTF-8, gzip). */
async function send(
  url: string,
  method: string,
  body?: string | Buffer,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const res = await fetch(url, {
    method,
    headers,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : Uint8Array.from(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, text, headers: res.headers, json: parsed };
}

function expectOutcome(res: HttpResult, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/(fhir\+)?json/);
  expect(res.json?.resourceType).toBe('OperationOutcome');
  expect(res.json.issue?.[0]?.severity).toBe(status === 200 ? 'information' : 'error');
  expect(res.json.issue?.[0]?.details?.text).toEqual(expect.any(String));
  // No stack, no file paths, no secret.
  expect(res.text).not.toMatch(/node_modules|\.ts:\d+|\bat .+:\d+:\d+|Error:/);
  expect(res.text).not.toContain(TEST_SECRET);
}

describe('bad input corpus', () => {
  let running: Running;

  beforeAll(async () => {
    running = await startTestService();
    // Only the corpus's own notifications drive evaluations.
    await disableSubscriptions(running);
    // Golden 01 evaluated once, so that notifications about it re-evaluate without writing.
    await loadGolden(running, C01);
    await running.service.evaluate(ENC01);
  });

  afterAll(async () => {
    await running?.stop();
  });

  function request(row: Row): Promise<HttpResult> {
    const headers: Record<string, string> = {
      ...(row.type === null ? {} : { 'content-type': row.type ?? 'application/fhir+json' }),
      ...row.headers,
    };
    const body = row.body ?? '';
    switch (row.route) {
      case 'evaluate':
        return send(`${running.serviceUrl}/api/evaluate`, 'POST', body, headers);
      case 'encounter':
        return send(
          `${running.serviceUrl}/api/encounters/${row.path ?? ''}/evaluate`,
          'POST',
          undefined,
          headers,
        );
      case 'notify':
        return send(`${running.serviceUrl}/notify`, 'POST', body, { ...headers, 'x-signature': sign(body) });
      case 'hapi':
        return send(`${running.serviceUrl}/notify/${row.path ?? ''}`, 'PUT', body, {
          ...headers,
          'x-signature': sign(body),
        });
    }
  }

  test('the corpus holds at least 40 inputs, each named once', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  for (const row of rows) {
    const run = row.knownDefect ? test.fails : test;
    run(`${row.route} | ${row.name} -> ${row.status}${row.gap ? ` ${row.gap}` : ''}`, async () => {
      if (row.server) await write(running, asTransaction(row.server.resources));
      const before = await allWrites(running.fhirBaseUrl);
      const res = await request(row);

      if (row.route === 'evaluate' && row.status === 200) {
        expect(res.status, res.text.slice(0, 300)).toBe(200);
        const gaps = (res.json.evaluation.gaps as { code: string }[]).map((g) => g.code);
        if (row.gap === null) expect(gaps).toEqual([]);
        else if (row.gap) expect(gaps).toContain(row.gap);
        if (row.lines !== undefined) expect(res.json.evaluation.lines).toHaveLength(row.lines);
        // Whatever came in, nothing absurd goes out.
        for (const line of res.json.evaluation.lines as { units: number }[]) {
          expect(Number.isInteger(line.units) && line.units > 0 && line.units < 10_000).toBe(true);
        }
      } else {
        expectOutcome(res, row.status);
        if (row.says) expect(res.json.issue[0].details.text).toMatch(row.says);
      }

      const after = await allWrites(running.fhirBaseUrl);
      expect(changedEncounters(before, after)).toEqual(row.server ? [row.server.encounter] : []);

      if (row.server) {
        const issues = await issuesFor(running, row.server.encounter);
        const codes = issues.filter((i) => i.status === 'preliminary').map((i) => gapCode(i));
        if (row.gap) expect(codes).toContain(row.gap);
        else expect(codes).toEqual([]);
        const claim = await claimFor(running, row.server.encounter);
        expect(claim?.item ?? []).toHaveLength(row.lines ?? 0);
      }
    });
  }

  test('after the corpus the service still answers, evaluates, and no prototype is polluted', async () => {
    const health = await send(`${running.serviceUrl}/healthz`, 'GET');
    expect(health.status).toBe(200);
    const ok = await send(`${running.serviceUrl}/api/evaluate`, 'POST', json(bundle01()), {
      'content-type': 'application/fhir+json',
    });
    expect(ok.status).toBe(200);
    expect(ok.json.evaluation.lines).toHaveLength(1);
    for (const proto of [Object.prototype, Array.prototype, Function.prototype]) {
      expect((proto as Record<string, unknown>).polluted).toBeUndefined();
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
    // The Encounter the corpus kept notifying about was never rewritten.
    const issues = await issuesFor(running, ENC01);
    expect(issues).toEqual([]);
    expect((await claimFor(running, ENC01))?.meta?.versionId).toBeDefined();
  });
});
