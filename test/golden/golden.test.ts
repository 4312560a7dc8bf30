/**
 * Golden cases: one realistic Encounter per case, as a FHIR R4 `collection` Bundle, with the
 * billing lines and documentation gaps computed BY HAND from SPEC sections 3-5 and BILLING.md
 * (the arithmetic of every case is in README.md beside this file). The engine is never used to
 * produce an expectation: these files are the independent oracle it is checked against.
 *
 * Each `cases/<nn>-<slug>.bundle.json` has a `cases/<nn>-<slug>.expected.json`:
 * `{ description, now, payerRules?, facilities?, lines: [{ code, modifiers, units, dateOfService, ndc }],
 *    gaps: [{ code, subjectKey? }] }`. Lines and gaps compare as sorted sets; a gap without
 * `subjectKey` matches on its code alone. `payerRules` and `facilities` name a file in
 * `payer-rules/` and `facilities/` (FACILITIES_FILE); without them the shipped payer rules and
 * one hospital outpatient facility with dates as written.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateResource } from '@medplum/core';
import type {
  Bundle,
  ChargeItem,
  Claim,
  ClaimResponse,
  Condition,
  Coverage,
  Encounter,
  Medication,
  MedicationAdministration,
  Observation,
  Resource,
} from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DrugCatalog } from '../../src/catalog/catalog.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { indexFhirR4Definitions } from '../../src/fhir-server/definitions.ts';
import { normalizeNdc } from '../../src/catalog/ndc.ts';
import { loadPayerRules, type PayerRules } from '../../src/catalog/payer-rules.ts';
import { loadFacilities } from '../../src/catalog/facilities.ts';
import type { FacilityResolver } from '../../src/domain/facility.ts';
import { isGapCode } from '../../src/domain/gaps.ts';
import type { EncounterInput } from '../../src/domain/input.ts';
import type { evaluateEncounter as EvaluateEncounter } from '../../src/rules/index.ts';

import type {
  formatIssues as FormatIssues,
  validateWritten as ValidateWritten,
} from '../support/profiles/index.ts';
import type { planWrites as PlanWrites } from '../../src/fhir/plan.ts';

type Evaluate = typeof EvaluateEncounter;

const HERE = dirname(fileURLToPath(import.meta.url));
const CASES_DIR = join(HERE, 'cases');
const PAYER_RULES_DIR = join(HERE, 'payer-rules');
const FACILITIES_DIR = join(HERE, 'facilities');
const LOINC_BODY_WEIGHT = '29463-7';
const HCPCS = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
const EXT = 'https://vialwise.dev/fhir/StructureDefinition';

interface ExpectedLine {
  readonly code: string;
  readonly modifiers: readonly string[];
  readonly units: number;
  readonly dateOfService: string;
  readonly ndc: string | null;
}

interface ExpectedGap {
  readonly code: string;
  readonly subjectKey?: string;
}

interface Expected {
  readonly description: string;
  readonly now: string;
  readonly payerRules?: string;
  readonly facilities?: string;
  readonly lines: readonly ExpectedLine[];
  readonly gaps: readonly ExpectedGap[];
}

interface GoldenCase {
  readonly name: string;
  readonly bundle: Bundle;
  readonly expected: Expected;
}

function loadCases(): GoldenCase[] {
  return readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.bundle.json'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -'.bundle.json'.length);
      return {
        name,
        bundle: JSON.parse(readFileSync(join(CASES_DIR, f), 'utf8')) as Bundle,
        expected: JSON.parse(readFileSync(join(CASES_DIR, `${name}.expected.json`), 'utf8')) as Expected,
      };
    });
}

const CASES = loadCases();

/** The NDCs a Bundle's Medications and administrations document, 11-digit. */
function documentedNdcs(bundle: Bundle): string[] {
  const out: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const o = value as { system?: unknown; code?: unknown };
      if (o.system === 'http://hl7.org/fhir/sid/ndc' && typeof o.code === 'string') {
        const n = normalizeNdc(o.code);
        if (n) out.push(n);
      }
      Object.values(value).forEach(visit);
    }
  };
  visit(bundle);
  return out;
}

/** Splits a collection Bundle into the engine's input, by resource type (SPEC section 3). */
export function splitBundle(bundle: Bundle): EncounterInput {
  const resources = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  const ofType = <T extends Resource>(type: T['resourceType']): T[] =>
    resources.filter((r): r is T => r.resourceType === type);
  const encounters = ofType<Encounter>('Encounter');
  if (encounters.length !== 1) throw new Error(`expected exactly one Encounter, found ${encounters.length}`);
  return {
    encounter: encounters[0]!,
    administrations: ofType<MedicationAdministration>('MedicationAdministration'),
    medications: ofType<Medication>('Medication'),
    conditions: ofType<Condition>('Condition'),
    coverages: ofType<Coverage>('Coverage'),
    priorAuthorizations: ofType<ClaimResponse>('ClaimResponse').filter((r) => r.use === 'preauthorization'),
    bodyWeights: ofType<Observation>('Observation').filter((o) =>
      o.code?.coding?.some((c) => c.system === 'http://loinc.org' && c.code === LOINC_BODY_WEIGHT),
    ),
    chargeItems: ofType<ChargeItem>('ChargeItem'),
    claims: ofType<Claim>('Claim'),
  };
}

function renderLine(l: ExpectedLine): string {
  const mods = [...l.modifiers].sort();
  return `${l.code}${mods.map((m) => `-${m}`).join('')} x${l.units} on ${l.dateOfService}, NDC ${l.ndc ?? 'none'}`;
}

/** Gaps whose code the expectation lists without a subjectKey are compared on the code alone. */
function renderGaps(gaps: readonly ExpectedGap[], codeOnly: ReadonlySet<string>): string[] {
  return gaps
    .map((g) => (codeOnly.has(g.code) || g.subjectKey === undefined ? g.code : `${g.code} @ ${g.subjectKey}`))
    .sort();
}

function payerRulesFor(expected: Expected, shipped: PayerRules): PayerRules {
  return expected.payerRules ? loadPayerRules(join(PAYER_RULES_DIR, expected.payerRules)) : shipped;
}

function facilitiesFor(expected: Expected): { facilities?: FacilityResolver } {
  return expected.facilities ? { facilities: loadFacilities(join(FACILITIES_DIR, expected.facilities)) } : {};
}

describe('golden cases: the fixtures themselves', () => {
  let catalog: DrugCatalog;
  beforeAll(() => {
    catalog = loadCatalog();
    indexFhirR4Definitions();
  });

  it('has at least 18 cases, each with an expected file', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(18);
    const expectedFiles = readdirSync(CASES_DIR).filter((f) => f.endsWith('.expected.json'));
    expect(expectedFiles.length).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s is valid FHIR R4 and self-consistent', (_name, c) => {
    expect(c.bundle.resourceType).toBe('Bundle');
    expect(c.bundle.type).toBe('collection');
    expect(() => validateResource(c.bundle)).not.toThrow();

    const input = splitBundle(c.bundle);
    const encounterRef = `Encounter/${input.encounter.id}`;
    const patientRef = input.encounter.subject?.reference;
    const medicationIds = new Set(input.medications.map((m) => m.id));
    for (const ma of input.administrations) {
      expect(ma.context?.reference, `${ma.id} context`).toBe(encounterRef);
      const mismatchExpected = c.expected.gaps.some(
        (g) => g.code === 'patient-mismatch' && g.subjectKey === ma.id,
      );
      if (!mismatchExpected) expect(ma.subject.reference, `${ma.id} subject`).toBe(patientRef);
      const ref = ma.medicationReference?.reference;
      if (ref?.startsWith('#')) {
        expect(
          ma.contained?.some((r) => r.resourceType === 'Medication' && `#${r.id}` === ref),
          `${ma.id} ${ref}`,
        ).toBe(true);
      } else if (ref) {
        expect(medicationIds.has(ref.replace(/^Medication\//, '')), `${ma.id} ${ref}`).toBe(true);
      }
      for (const ext of ma.dosage?.extension ?? []) {
        expect([`${EXT}/discarded-amount`, `${EXT}/containers-opened`]).toContain(ext.url);
      }
    }
    for (const ci of input.chargeItems) {
      expect(ci.context?.reference).toBe(encounterRef);
      expect(ci.code.coding?.[0]?.system).toBe(HCPCS);
    }
    const conditionIds = new Set(input.conditions.map((x) => `Condition/${x.id}`));
    for (const d of input.encounter.diagnosis ?? [])
      expect(conditionIds.has(d.condition.reference ?? '')).toBe(true);

    const e = c.expected;
    expect(e.description.length).toBeGreaterThan(10);
    expect(new Date(e.now).toISOString()).toBe(e.now.replace(/Z$/, '.000Z'));
    if (e.payerRules) expect(existsSync(join(PAYER_RULES_DIR, e.payerRules))).toBe(true);
    if (e.facilities) expect(existsSync(join(FACILITIES_DIR, e.facilities))).toBe(true);
    for (const l of e.lines) {
      // Every code of the pricing files, a per-vial code included (docs/billing-rules.md).
      expect(catalog.allCodes.has(l.code), `${l.code} in catalog`).toBe(true);
      expect(l.units).toBeGreaterThanOrEqual(1);
      expect(Number.isInteger(l.units)).toBe(true);
      expect(l.dateOfService).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const m of l.modifiers) expect(['JW', 'JZ', 'JG', 'TB']).toContain(m);
      if (l.ndc !== null) {
        expect(normalizeNdc(l.ndc)).toBe(l.ndc);
        // A crosswalk NDC (or the vial of a crosswalk package) bills a code of its family on that
        // date (for ESRD on dialysis or not: J0881 and J0882 share their NDCs); an NDC the CMS
        // crosswalk does not list must be the one documented.
        const product = catalog.productByNdc(l.ndc);
        if (product) {
          const family = [false, true].flatMap((esrdOnDialysis) =>
            [
              ...catalog.candidateCodes(product.ingredient, product, l.dateOfService, { esrdOnDialysis }),
              ...catalog.codesNotByAmount(product.ingredient, product, l.dateOfService, { esrdOnDialysis }),
            ].map((x) => x.code),
          );
          expect(family, `${l.ndc} bills ${l.code}`).toContain(l.code);
        } else {
          expect(documentedNdcs(c.bundle), `${l.ndc} documented`).toContain(l.ndc);
        }
      }
    }
    for (const g of e.gaps) expect(isGapCode(g.code), g.code).toBe(true);
  });

  it('every payer-rules variant loads with the shipped schema', () => {
    for (const f of readdirSync(PAYER_RULES_DIR).filter((x) => x.endsWith('.json'))) {
      expect(() => loadPayerRules(join(PAYER_RULES_DIR, f)), f).not.toThrow();
    }
  });

  it('every facilities file loads with the FACILITIES_FILE schema', () => {
    const files = existsSync(FACILITIES_DIR) ? readdirSync(FACILITIES_DIR) : [];
    for (const f of files.filter((x) => x.endsWith('.json'))) {
      expect(() => loadFacilities(join(FACILITIES_DIR, f)), f).not.toThrow();
    }
  });
});

describe('golden cases: engine output matches the hand-computed oracle', () => {
  let evaluateEncounter: Evaluate;
  let catalog: DrugCatalog;
  let shippedRules: PayerRules;
  beforeAll(async () => {
    // Imported here so that a missing or broken engine fails these tests, not the fixture checks.
    ({ evaluateEncounter } = await import('../../src/rules/index.ts'));
    catalog = loadCatalog();
    shippedRules = loadPayerRules();
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const input = splitBundle(c.bundle);
    const payerRules = payerRulesFor(c.expected, shippedRules);
    const evaluation = evaluateEncounter(
      input,
      { catalog, payerRules, ...facilitiesFor(c.expected) },
      c.expected.now,
    );

    const actualLines = evaluation.lines
      .map((l) =>
        renderLine({
          code: l.code,
          modifiers: l.modifiers,
          units: l.units,
          dateOfService: l.dateOfService,
          ndc: l.ndc?.ndc ?? null,
        }),
      )
      .sort();
    const expectedLines = c.expected.lines.map(renderLine).sort();

    const codeOnly = new Set(c.expected.gaps.filter((g) => g.subjectKey === undefined).map((g) => g.code));
    const actualGaps = renderGaps(
      evaluation.gaps.map((g) => ({ code: g.code, subjectKey: g.subjectKey })),
      codeOnly,
    );
    const expectedGaps = renderGaps(c.expected.gaps, codeOnly);

    expect({ lines: actualLines, gaps: actualGaps }, c.expected.description).toEqual({
      lines: expectedLines,
      gaps: expectedGaps,
    });
  });
});

describe('golden cases: every Claim and DetectedIssue written conforms to its profile', () => {
  let evaluateEncounter: Evaluate;
  let catalog: DrugCatalog;
  let shippedRules: PayerRules;
  let validateWritten: typeof ValidateWritten;
  let formatIssues: typeof FormatIssues;
  let planWrites: typeof PlanWrites;
  beforeAll(async () => {
    ({ evaluateEncounter } = await import('../../src/rules/index.ts'));
    ({ validateWritten, formatIssues } = await import('../support/profiles/index.ts'));
    ({ planWrites } = await import('../../src/fhir/plan.ts'));
    catalog = loadCatalog();
    shippedRules = loadPayerRules();
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const input = splitBundle(c.bundle);
    const evaluation = evaluateEncounter(
      input,
      { catalog, payerRules: payerRulesFor(c.expected, shippedRules), ...facilitiesFor(c.expected) },
      c.expected.now,
    );
    const plan = planWrites(
      evaluation,
      input,
      { claims: [], issues: [] },
      {
        now: c.expected.now,
        device: 'Device/vialwise-test',
        billingProvider: 'Organization/golden-billing',
      },
    );
    const written = plan.entries.map((e) => e.resource as Resource);
    expect(written.length).toBe((plan.claim ? 1 : 0) + evaluation.gaps.length);
    for (const resource of written) {
      const issues = validateWritten(resource);
      expect(issues, `${resource.resourceType}: ${formatIssues(issues)}`).toEqual([]);
    }
  });
});
