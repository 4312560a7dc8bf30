/**
 * One draft Claim per billing setting, written by the real service to the embedded FHIR server
 * (in process) and read back, each validated against its profile (issue 13 part B;
 * docs/claim-mapping.md). Facilities: test/fixtures/claims/facilities.json. Charges: the demo
 * hospital's chargemaster excerpt (test/fixtures/chargemaster/, hand-worked unit prices in its
 * README) and, where it does not list the drug, the CMS payment limit.
 *
 * Where the expectations come from:
 * - types of bill: Claims Processing Manual ch.3 (inpatient 11x), ch.4 (outpatient 13x, CAH 85x),
 *   ch.9 (RHC 71x, FQHC 77x); revenue code 0636: ch.17 section 70; places of service: CMS Place of
 *   Service Code Set (11 office, 21 inpatient, 22 on-campus outpatient, 23 ER, 50 FQHC, 72 RHC).
 * - units: J1745 infliximab per 10 mg, J9355 trastuzumab per 10 mg, J2919 methylprednisolone
 *   sodium succinate per 5 mg (asp-pricing-2025q1.csv "HCPCS Code Dosage").
 * - payment limits 2025Q1 (asp-pricing-2025q1.csv): J9355 $77.051, J2919 $0.268.
 * - gross charges (test/fixtures/chargemaster/README.md): Remicade 57894-0030-01 $1,650.00 per
 *   vial = $165.00 per J1745 unit; Fresenius methylprednisolone 125 mg vial 63323-0258-01 $58.00
 *   outpatient / $52.00 inpatient per vial = $2.32 / $2.08 per J2919 unit (25 units per vial).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Claim, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/bootstrap.ts';
import { priceBasisOf, readClaimLines } from '../../src/fhir/codec/index.ts';
import { PROFILE_URLS, validateAgainstProfile, formatIssues } from '../support/profiles/index.ts';
import { asTransaction, fhir, searchResources, startTestService } from '../support/service.ts';
import { settingScenarios, type SettingScenario } from './claim-settings.fixtures.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
/** The example of docs/claim-mapping.md: what this test writes (UPDATE_EXAMPLES=1 rewrites it). */
const EXAMPLE = path.resolve(import.meta.dirname, '../../docs/examples/claim-hospital-outpatient.json');

/** The draft without what the server or the clock decides (id, versionId, lastUpdated, created). */
function asExample(claim: Claim): Claim {
  const example: Claim = { ...claim, created: '2025-03-10T20:00:00Z' };
  delete example.id;
  if (claim.meta?.tag) example.meta = { tag: claim.meta.tag };
  else delete example.meta;
  return example;
}
const FACILITIES_FILE = path.join(FIXTURES, 'claims/facilities.json');
const CHARGEMASTER_FILE = path.join(FIXTURES, 'chargemaster/vialwise-demo-hospital_standardcharges.csv');

const TOB = 'https://www.nubc.org/CodeSystem/TypeOfBill';
const REVENUE = 'https://www.nubc.org/CodeSystem/RevenueCodes';
const POS = 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set';
const DRUG_PAYMENT = 'https://vialwise.dev/fhir/CodeSystem/drug-payment';
const CARE_TEAM_ROLE = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole';

async function draftOf(running: Running, scenario: SettingScenario): Promise<Claim> {
  const put = await fhir(running.fhirBaseUrl, 'POST', '', asTransaction(scenario.resources as Resource[]));
  expect(put.status).toBe(200);
  await running.service.evaluate(scenario.encounterId);
  const claims = await searchResources<Claim>(
    running.fhirBaseUrl,
    `Claim?identifier=${encodeURIComponent(`https://vialwise.dev/fhir/sid/claim-draft|Encounter/${scenario.encounterId}`)}`,
  );
  expect(claims).toHaveLength(1);
  return claims[0] as Claim;
}

const typeOfBill = (c: Claim) =>
  (c.supportingInfo ?? []).flatMap((s) => s.code?.coding ?? []).find((x) => x.system === TOB)?.code;
const drugPayment = (c: Claim) =>
  (c.supportingInfo ?? []).flatMap((s) => s.code?.coding ?? []).find((x) => x.system === DRUG_PAYMENT)?.code;
const revenues = (c: Claim) =>
  (c.item ?? []).map((i) => i.revenue?.coding?.find((x) => x.system === REVENUE)?.code);
const places = (c: Claim) =>
  (c.item ?? []).map((i) => i.locationCodeableConcept?.coding?.find((x) => x.system === POS)?.code);
/** `code[+modifier] x units @ unitPrice = net`, sorted. */
const priced = (c: Claim) =>
  readClaimLines(c)
    .map((l) => `${l.code}${l.modifiers.map((m) => `+${m}`).join('')} x${l.units} @${l.unitPrice} = ${l.net}`)
    .sort();
const roles = (c: Claim) =>
  (c.careTeam ?? [])
    .map((m) => `${m.role?.coding?.find((x) => x.system === CARE_TEAM_ROLE)?.code} ${m.provider.reference}`)
    .sort();

function conforms(claim: Claim, profile: string): void {
  const issues = validateAgainstProfile(claim, profile);
  expect(issues, formatIssues(issues)).toEqual([]);
  const base = validateAgainstProfile(claim, PROFILE_URLS.claimDraft);
  expect(base, formatIssues(base)).toEqual([]);
}

describe('drafts by billing setting, priced from the chargemaster', () => {
  let running: Running;
  const s = settingScenarios();
  const drafts = new Map<string, Claim>();

  beforeAll(async () => {
    running = await startTestService({ FACILITIES_FILE, CHARGEMASTER_FILE });
    for (const scenario of Object.values(s))
      drafts.set(scenario.encounterId, await draftOf(running, scenario));
  });
  afterAll(async () => {
    await running?.stop();
  });
  const draft = (scenario: SettingScenario) => drafts.get(scenario.encounterId) as Claim;

  it('hospital outpatient infusion clinic (an AMB visit): institutional 0131, revenue 0636, POS 22', () => {
    const c = draft(s.hospitalOutpatient);
    conforms(c, PROFILE_URLS.institutionalClaimDraft);
    expect(c.type?.coding?.[0]?.code).toBe('institutional');
    expect(typeOfBill(c)).toBe('0131');
    expect(drugPayment(c)).toBeUndefined();
    expect(new Set(revenues(c))).toEqual(new Set(['0636']));
    expect(new Set(places(c))).toEqual(new Set(['22']));
    // Remicade 350 mg from four 100 mg vials, 50 mg discarded: J1745 x35 and JW x5 at $165.00;
    // Herceptin 300 mg from two 150 mg vials: J9355 x30 JZ, not in the chargemaster: $77.05 (the
    // 2025Q1 limit $77.051 to the cent); methylprednisolone 125 mg: J2919 x25 JZ, $58.00 a vial.
    expect(priced(c)).toEqual([
      'J1745 x35 @165 = 5775',
      'J1745+JW x5 @165 = 825',
      'J2919+JZ x25 @2.32 = 58',
      'J9355+JZ x30 @77.05 = 2311.5',
    ]);
    expect(c.total?.value).toBe(8969.5);
    expect(priceBasisOf(c)).toEqual(['chargemaster', 'payment-limit-estimate']);
    // 2025-03-10 infusion from 09:00 to 14:30 Chicago time (CDT; 14:00Z to 19:30Z).
    expect(c.billablePeriod).toEqual({ start: '2025-03-10', end: '2025-03-10' });
    expect(c.insurer).toEqual({ reference: 'Organization/payer-medicare' });
    expect(c.facility).toEqual({ reference: 'Location/infusion-center' });
    expect(roles(c)).toEqual([
      'attending Practitioner/dr-attending',
      'performing Practitioner/rn-infusion',
      'prescribing Practitioner/dr-gastro',
      'prescribing Practitioner/dr-oncology',
    ]);
    // Each line points first at the reason its administration documents: infliximab for Crohn's
    // disease (K50.90), trastuzumab for breast cancer (C50.911); then the encounter's diagnoses.
    const pointers = (code: string) =>
      (c.item ?? [])
        .filter((i) => i.productOrService.coding?.[0]?.code === code)
        .map((i) =>
          (i.diagnosisSequence ?? []).map(
            (n) => c.diagnosis?.[n - 1]?.diagnosisCodeableConcept?.coding?.[0]?.code,
          ),
        );
    expect(pointers('J1745').map((p) => p[0])).toEqual(['K50.90', 'K50.90']);
    expect(pointers('J9355').map((p) => p[0])).toEqual(['C50.911']);
    for (const item of c.item ?? []) {
      expect(item.encounter).toEqual([{ reference: `Encounter/${s.hospitalOutpatient.encounterId}` }]);
      expect(item.careTeamSequence?.length).toBeGreaterThan(0);
    }
  });

  it('hospital inpatient stay: 0111, the drugs bundled into the stay, inpatient gross charge, no JW/JZ', () => {
    const c = draft(s.inpatient);
    conforms(c, PROFILE_URLS.institutionalClaimDraft);
    expect(typeOfBill(c)).toBe('0111');
    expect(drugPayment(c)).toBe('bundled-inpatient-stay');
    expect(revenues(c)).toEqual(['0636']);
    expect(places(c)).toEqual(['21']);
    expect(priced(c)).toEqual(['J2919 x25 @2.08 = 52']);
    expect(priceBasisOf(c)).toEqual(['chargemaster']);
    // Admitted 2025-03-09 22:30 Chicago (03:30Z on the 10th), discharged 2025-03-12.
    expect(c.billablePeriod).toEqual({ start: '2025-03-09', end: '2025-03-12' });
  });

  it('critical access hospital, emergency visit: 0851, revenue 0636, POS 23, JZ', () => {
    const c = draft(s.cah);
    conforms(c, PROFILE_URLS.institutionalClaimDraft);
    expect(typeOfBill(c)).toBe('0851');
    expect(revenues(c)).toEqual(['0636']);
    expect(places(c)).toEqual(['23']);
    expect(priced(c)).toEqual(['J2919+JZ x25 @2.32 = 58']);
  });

  it('physician office: professional, POS 11, rendering provider, no type of bill nor revenue code; an estimate', () => {
    const c = draft(s.office);
    conforms(c, PROFILE_URLS.professionalClaimDraft);
    expect(c.type?.coding?.[0]?.code).toBe('professional');
    expect(c.supportingInfo).toBeUndefined();
    expect(revenues(c)).toEqual([undefined]);
    expect(places(c)).toEqual(['11']);
    expect(roles(c)).toEqual(['performing Practitioner/dr-rheum']);
    // The hospital's chargemaster does not price an office's claim: the 2025Q1 limit $30.525 per
    // 10 mg of infliximab (asp-pricing-2025q1.csv J1745) is $30.53 a unit, 40 units.
    expect(priced(c)).toEqual(['J1745+JZ x40 @30.53 = 1221.2']);
    expect(priceBasisOf(c)).toEqual(['payment-limit-estimate']);
  });

  it('rural health clinic: 0711, all-inclusive rate, POS 72, no JW/JZ', () => {
    const c = draft(s.rhc);
    conforms(c, PROFILE_URLS.institutionalClaimDraft);
    expect(typeOfBill(c)).toBe('0711');
    expect(drugPayment(c)).toBe('all-inclusive-rate');
    expect(revenues(c)).toEqual(['0636']);
    expect(places(c)).toEqual(['72']);
    expect(priced(c)).toEqual(['J2919 x25 @2.32 = 58']);
  });

  it('federally qualified health center: 0771, all-inclusive rate, POS 50', () => {
    const c = draft(s.fqhc);
    conforms(c, PROFILE_URLS.institutionalClaimDraft);
    expect(typeOfBill(c)).toBe('0771');
    expect(drugPayment(c)).toBe('all-inclusive-rate');
    expect(places(c)).toEqual(['50']);
  });

  it('a written institutional draft stops conforming without its type of bill or revenue code', () => {
    const c = draft(s.hospitalOutpatient);
    const noTob = { ...c, supportingInfo: [] };
    expect(formatIssues(validateAgainstProfile(noTob, PROFILE_URLS.institutionalClaimDraft))).toMatch(
      /vw-claim-13 not met/,
    );
    const noRevenue = {
      ...c,
      item: (c.item ?? []).map((i) => {
        const copy = { ...i };
        delete copy.revenue;
        return copy;
      }),
    };
    expect(formatIssues(validateAgainstProfile(noRevenue, PROFILE_URLS.institutionalClaimDraft))).toMatch(
      /vw-claim-14 not met/,
    );
    // And the office's professional draft is not an institutional one.
    expect(
      formatIssues(validateAgainstProfile(draft(s.office), PROFILE_URLS.institutionalClaimDraft)),
    ).toMatch(/Claim\.type/);
  });

  it('docs/examples/claim-hospital-outpatient.json is this draft', () => {
    const example = asExample(draft(s.hospitalOutpatient));
    if (process.env.UPDATE_EXAMPLES === '1') writeFileSync(EXAMPLE, `${JSON.stringify(example, null, 2)}\n`);
    expect(JSON.parse(readFileSync(EXAMPLE, 'utf8'))).toEqual(example);
  });

  it('re-evaluating writes nothing (tags and prices are stable)', async () => {
    const result = await running.service.evaluate(s.hospitalOutpatient.encounterId);
    expect(result.plan.entries).toEqual([]);
  });
});

describe('without CHARGEMASTER_FILE the same hospital draft is an estimate', () => {
  let running: Running;
  beforeAll(async () => {
    running = await startTestService({ FACILITIES_FILE });
  });
  afterAll(async () => {
    await running?.stop();
  });

  it('payment limit x units, to the cent per unit, tagged payment-limit-estimate', async () => {
    const c = await draftOf(running, settingScenarios().hospitalOutpatient);
    conforms(c, PROFILE_URLS.institutionalClaimDraft);
    // 2025Q1 limits: J1745 $30.525 -> $30.53 (half up), J2919 $0.268 -> $0.27, J9355 $77.051 -> $77.05.
    expect(priced(c)).toEqual([
      'J1745 x35 @30.53 = 1068.55',
      'J1745+JW x5 @30.53 = 152.65',
      'J2919+JZ x25 @0.27 = 6.75',
      'J9355+JZ x30 @77.05 = 2311.5',
    ]);
    expect(c.total?.value).toBe(3539.45);
    expect(priceBasisOf(c)).toEqual(['payment-limit-estimate']);
    // unitPrice x quantity = net exactly as written, and total = the sum of the nets (837 CLM02).
    for (const l of readClaimLines(c))
      expect(Math.round((l.unitPrice ?? 0) * 100) * (l.units ?? 0)).toBe(Math.round((l.net ?? 0) * 100));
  });
});
