import { describe, expect, it } from 'vitest';
import { validateResource } from '@medplum/core';
import type { CodeSystem, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { GAPS } from '../../src/domain/gaps.ts';
import { GAP_CODE_SYSTEM } from '../../src/domain/vocabulary.ts';
import {
  CAPABILITY_STATEMENT_URL,
  CODE_SYSTEM_URLS,
  EXTENSION_URLS,
  PROFILE_URLS,
  conformanceBundle,
  getCapabilityStatement,
  loadProfiles,
  supportedProfiles,
} from '../support/profiles/index.ts';

function byUrl<T>(url: string): T {
  const resource = loadProfiles().byUrl.get(url);
  if (!resource) throw new Error(`missing ${url}`);
  return resource as T;
}

describe('the documentation-gap CodeSystem', () => {
  const codeSystem = byUrl<CodeSystem>(GAP_CODE_SYSTEM);

  it('lists exactly the codes of the registry, in registry order', () => {
    expect(codeSystem.concept?.map((c) => c.code)).toEqual(Object.keys(GAPS));
    expect(codeSystem.count).toBe(Object.keys(GAPS).length);
    expect(codeSystem.content).toBe('complete');
  });

  it('carries the registry display, definition and severity of every code', () => {
    const fromCodeSystem = Object.fromEntries(
      (codeSystem.concept ?? []).map((c) => [
        c.code,
        {
          display: c.display,
          definition: c.definition,
          severity: c.property?.find((p) => p.code === 'severity')?.valueCode,
        },
      ]),
    );
    expect(fromCodeSystem).toEqual(
      Object.fromEntries(
        Object.entries(GAPS).map(([code, g]) => [
          code,
          { display: g.display, definition: g.definition, severity: g.severity },
        ]),
      ),
    );
    expect(codeSystem.property).toEqual([expect.objectContaining({ code: 'severity', type: 'code' })]);
  });

  it('has a ValueSet of all its codes, bound (required) to DetectedIssue.code', () => {
    const valueSetUrl = GAP_CODE_SYSTEM.replace('/CodeSystem/', '/ValueSet/');
    expect(byUrl<ValueSet>(valueSetUrl).compose?.include).toEqual([{ system: GAP_CODE_SYSTEM }]);
    const profile = byUrl<StructureDefinition>(PROFILE_URLS.documentationGap);
    const code = profile.snapshot?.element.find((e) => e.id === 'DetectedIssue.code');
    expect(code?.binding).toMatchObject({ strength: 'required', valueSet: valueSetUrl });
    expect(code?.min).toBe(1);
  });
});

describe('the generated StructureDefinitions', () => {
  it('exist with snapshots for every profile and extension', () => {
    for (const url of [...Object.values(PROFILE_URLS), ...Object.values(EXTENSION_URLS)]) {
      const sd = byUrl<StructureDefinition>(url);
      expect(sd.fhirVersion, url).toBe('4.0.1');
      expect(sd.snapshot?.element.length, url).toBeGreaterThan(3);
    }
  });

  it.each([
    ['discarded-amount', 'MedicationAdministration.dosage', 'Quantity'],
    ['containers-opened', 'MedicationAdministration.dosage', 'integer'],
    ['container-use', 'Medication', 'code'],
    ['source-administration', 'Claim.item', 'Reference'],
    ['revenue-at-risk', 'DetectedIssue', 'Money'],
  ])('%s sits on %s with a %s value', (id, context, type) => {
    const sd = byUrl<StructureDefinition>(`https://vialwise.dev/fhir/StructureDefinition/${id}`);
    expect(sd.context).toEqual([{ type: 'element', expression: context }]);
    const value = sd.snapshot?.element.find((e) => e.id === 'Extension.value[x]');
    expect(value?.type?.map((t) => t.code)).toEqual([type]);
    expect(value?.min).toBe(1);
  });

  it('lets source-administration point at MedicationAdministration only, repeating on Claim.item', () => {
    const ext = byUrl<StructureDefinition>(EXTENSION_URLS.sourceAdministration);
    const value = ext.snapshot?.element.find((e) => e.id === 'Extension.value[x]');
    expect(value?.type?.[0]?.targetProfile).toEqual([
      'http://hl7.org/fhir/StructureDefinition/MedicationAdministration',
    ]);
    const claim = byUrl<StructureDefinition>(PROFILE_URLS.claimDraft);
    const slice = claim.snapshot?.element.find((e) => e.id === 'Claim.item.extension:sourceAdministration');
    expect([slice?.min, slice?.max]).toEqual([1, '*']);
  });

  it('gives container-use its own CodeSystem of single-dose and multi-dose', () => {
    const cs = byUrl<CodeSystem>(CODE_SYSTEM_URLS.containerUse);
    expect(cs.concept?.map((c) => c.code)).toEqual(['single-dose', 'multi-dose']);
  });
});

describe('the CapabilityStatement', () => {
  const statement = getCapabilityStatement();

  it('is a valid R4 CapabilityStatement of kind requirements', () => {
    expect(statement.url).toBe(CAPABILITY_STATEMENT_URL);
    expect(statement.kind).toBe('requirements');
    expect(validateResource(statement).filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('writes Claim and DetectedIssue with conditional create, in a transaction', () => {
    const rest = statement.rest?.[0];
    expect(rest?.interaction?.map((i) => i.code)).toContain('transaction');
    for (const [type, profiles] of [
      // The base draft profile, and the one of each billing setting (issue 13 part B writes both).
      [
        'Claim',
        [PROFILE_URLS.claimDraft, PROFILE_URLS.institutionalClaimDraft, PROFILE_URLS.professionalClaimDraft],
      ],
      ['DetectedIssue', [PROFILE_URLS.documentationGap]],
    ] as const) {
      const resource = rest?.resource?.find((r) => r.type === type);
      expect(resource?.conditionalCreate, type).toBe(true);
      expect(resource?.supportedProfile, type).toEqual(profiles);
      expect(
        resource?.interaction?.map((i) => i.code),
        type,
      ).toEqual(expect.arrayContaining(['create', 'update']));
    }
  });

  it('subscribes (rest-hook) to the five trigger resources and searches what it reads', () => {
    const resources = statement.rest?.[0]?.resource ?? [];
    for (const type of ['MedicationAdministration', 'Encounter', 'Condition', 'Coverage', 'ChargeItem']) {
      const resource = resources.find((r) => r.type === type);
      expect(resource?.documentation, type).toMatch(/Subscribed \(rest-hook\)/);
      expect(
        resource?.interaction?.map((i) => i.code),
        type,
      ).toContain('search-type');
    }
    const subscription = resources.find((r) => r.type === 'Subscription');
    expect(subscription?.documentation).toMatch(/rest-hook/);
    expect(subscription?.interaction?.map((i) => i.code)).toContain('create');
  });
});

describe('the exported conformance resources', () => {
  it('bundles every resource with its canonical URL', () => {
    const bundle = conformanceBundle();
    expect(bundle.entry).toHaveLength(loadProfiles().resources.length);
    expect(bundle.entry?.every((e) => e.fullUrl && e.fullUrl === e.resource?.url)).toBe(true);
  });

  it('lists the resource profiles for a server statement', () => {
    expect(supportedProfiles()).toEqual(
      expect.arrayContaining([
        { type: 'Claim', url: PROFILE_URLS.claimDraft },
        { type: 'Claim', url: PROFILE_URLS.institutionalClaimDraft },
        { type: 'Claim', url: PROFILE_URLS.professionalClaimDraft },
        { type: 'DetectedIssue', url: PROFILE_URLS.documentationGap },
        { type: 'MedicationAdministration', url: PROFILE_URLS.medicationAdministration },
        { type: 'Medication', url: PROFILE_URLS.medication },
        // Written by the web UI: the assignment of a gap (docs/ui.md, "Assignment").
        { type: 'Task', url: 'https://vialwise.dev/fhir/StructureDefinition/vialwise-gap-assignment' },
      ]),
    );
    expect(supportedProfiles()).toHaveLength(7);
  });
});
