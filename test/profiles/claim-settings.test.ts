/**
 * The institutional and professional Claim draft profiles (fhir-profiles/input/fsh/claim-settings.fsh)
 * and the price-basis markers. Types of bill: Medicare Claims Processing Manual ch.3 (inpatient
 * 11x), ch.4 (hospital outpatient 13x, CAH 85x), ch.9 (RHC 71x, FQHC 77x); revenue code 0636 for
 * HCPCS-coded drugs: ch.17 section 70. Place of service 11 (office): CMS place of service code set.
 */
import { describe, expect, it } from 'vitest';
import type { Claim, ClaimSupportingInfo, Coding, DetectedIssue } from '@medplum/fhirtypes';
import {
  CODE_SYSTEM_URLS,
  PROFILE_URLS,
  validateAgainstProfile,
  validateWritten,
} from '../support/profiles/index.ts';
import { fixture, messages, omit } from './helpers.ts';

const TOB = 'https://www.nubc.org/CodeSystem/TypeOfBill';
const REVENUE = 'https://www.nubc.org/CodeSystem/RevenueCodes';
const C4BB_INFO = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType';
const CLAIM_INFO = 'http://terminology.hl7.org/CodeSystem/claiminformationcategory';
const CLAIM_TYPE = 'http://terminology.hl7.org/CodeSystem/claim-type';
const POS = 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set';

const institutional = () => fixture('claim-institutional');
const professional = () => fixture('claim-professional');
const item = (claim: Claim, i = 0) => claim.item![i]!;

function typeOfBill(code: string): ClaimSupportingInfo {
  return {
    sequence: 1,
    category: { coding: [{ system: C4BB_INFO, code: 'typeofbill' }] },
    code: { coding: [{ system: TOB, code }] },
  };
}

function drugPayment(code: string): ClaimSupportingInfo {
  return {
    sequence: 2,
    category: { coding: [{ system: CLAIM_INFO, code: 'info' }] },
    code: { coding: [{ system: CODE_SYSTEM_URLS.drugPayment, code }] },
  };
}

function institutionalIn(tob: string, pos: string, payment?: string): Claim {
  const claim = institutional();
  claim.supportingInfo = [typeOfBill(tob), ...(payment ? [drugPayment(payment)] : [])];
  item(claim).locationCodeableConcept = { coding: [{ system: POS, code: pos }] };
  if (payment) delete item(claim).modifier; // no JW/JZ where drugs are not paid line by line
  return claim;
}

const check = (claim: Claim, profile: string) => messages(validateAgainstProfile(claim, profile));

describe('one draft per setting validates against its profile', () => {
  it.each([
    ['hospital outpatient (ED)', () => institutionalIn('0131', '23')],
    [
      'hospital inpatient, drugs bundled into the stay',
      () => institutionalIn('0111', '21', 'bundled-inpatient-stay'),
    ],
    ['critical access hospital outpatient', () => institutionalIn('0851', '22')],
    ['rural health clinic, all-inclusive rate', () => institutionalIn('0711', '72', 'all-inclusive-rate')],
    [
      'federally qualified health center, all-inclusive rate',
      () => institutionalIn('0771', '50', 'all-inclusive-rate'),
    ],
  ])('%s: institutional', (_name, build) => {
    const claim = build();
    expect(check(claim, PROFILE_URLS.institutionalClaimDraft)).toEqual([]);
    // The base profile accepts it too: the setting profiles only add rules.
    expect(check(claim, PROFILE_URLS.claimDraft)).toEqual([]);
  });

  it('physician office: professional, place of service 11', () => {
    const claim = professional();
    expect(item(claim).locationCodeableConcept?.coding?.[0]?.code).toBe('11');
    expect(check(claim, PROFILE_URLS.professionalClaimDraft)).toEqual([]);
    expect(check(claim, PROFILE_URLS.claimDraft)).toEqual([]);
  });

  it('a professional draft as written validates against its setting profile', () => {
    expect(messages(validateWritten(fixture('claim-draft')))).toEqual([]);
  });

  it('a draft written before the setting profiles (institutional, no type of bill) meets the base profile only', () => {
    const old = institutional();
    delete old.supportingInfo;
    for (const i of old.item ?? []) delete i.revenue;
    expect(check(old, PROFILE_URLS.claimDraft)).toEqual([]);
    expect(messages(validateWritten(old)).join('\n')).toMatch(/vw-claim-13 not met/);
  });
});

type Case = readonly [name: string, build: () => Claim, profile: string, expected: RegExp];

const cases: Case[] = [
  [
    'institutional without a type of bill',
    () => {
      const c = institutional();
      delete c.supportingInfo;
      return c;
    },
    PROFILE_URLS.institutionalClaimDraft,
    /vw-claim-13 not met/,
  ],
  [
    'institutional with a replacement type of bill (vialwise drafts originals only)',
    () => institutionalIn('0137', '23'),
    PROFILE_URLS.institutionalClaimDraft,
    /'0137' is not a code of https:\/\/www\.nubc\.org\/CodeSystem\/TypeOfBill/,
  ],
  [
    'institutional with a three-digit type of bill',
    () => institutionalIn('131', '23'),
    PROFILE_URLS.institutionalClaimDraft,
    /vw-claim-13 not met/,
  ],
  [
    'institutional with two types of bill',
    () => {
      const c = institutional();
      c.supportingInfo = [typeOfBill('0131'), { ...typeOfBill('0851'), sequence: 2 }];
      return c;
    },
    PROFILE_URLS.institutionalClaimDraft,
    /vw-claim-13 not met|typeOfBill.*expected 1\.\.1, but found 2/,
  ],
  [
    'institutional line without a revenue code',
    () => {
      const c = institutional();
      delete item(c).revenue;
      return c;
    },
    PROFILE_URLS.institutionalClaimDraft,
    /vw-claim-14 not met/,
  ],
  [
    'institutional drug line under revenue code 0250',
    () => {
      const c = institutional();
      item(c).revenue = { coding: [{ system: REVENUE, code: '0250' }] };
      return c;
    },
    PROFILE_URLS.institutionalClaimDraft,
    /'0250' is not a code of https:\/\/www\.nubc\.org\/CodeSystem\/RevenueCodes/,
  ],
  [
    'inpatient (011x) without saying the drugs are bundled into the stay',
    () => institutionalIn('0111', '21'),
    PROFILE_URLS.institutionalClaimDraft,
    /vw-claim-15 not met/,
  ],
  [
    'RHC (071x) saying the drugs are bundled into an inpatient stay',
    () => institutionalIn('0711', '72', 'bundled-inpatient-stay'),
    PROFILE_URLS.institutionalClaimDraft,
    /vw-claim-15 not met/,
  ],
  [
    'institutional without a statement period',
    () => {
      const c = institutional();
      delete c.billablePeriod;
      return c;
    },
    PROFILE_URLS.institutionalClaimDraft,
    /Claim\.billablePeriod: Missing required property/,
  ],
  [
    'institutional with an open statement period',
    () => {
      const c = institutional();
      c.billablePeriod = { start: '2025-03-04' };
      return c;
    },
    PROFILE_URLS.institutionalClaimDraft,
    /Claim\.billablePeriod\.end: Missing required property/,
  ],
  [
    'institutional without the payer',
    () => {
      const c = institutional();
      delete c.insurer;
      return c;
    },
    PROFILE_URLS.institutionalClaimDraft,
    /Claim\.insurer: Missing required property/,
  ],
  [
    'a professional claim against the institutional profile',
    () => professional(),
    PROFILE_URLS.institutionalClaimDraft,
    /Claim\.type: Value did not match expected pattern/,
  ],
  [
    'professional with a type of bill',
    () => {
      const c = professional();
      c.supportingInfo = [typeOfBill('0131')];
      return c;
    },
    PROFILE_URLS.claimDraft,
    /vw-claim-11 not met/,
  ],
  [
    'professional with a revenue code',
    () => {
      const c = professional();
      item(c).revenue = { coding: [{ system: REVENUE, code: '0636' }] };
      return c;
    },
    PROFILE_URLS.claimDraft,
    /vw-claim-12 not met/,
  ],
  [
    'professional line without a place of service',
    () => {
      const c = professional();
      delete item(c).locationCodeableConcept;
      return c;
    },
    PROFILE_URLS.professionalClaimDraft,
    /Claim\.item\[0\]\.location\[x\]: Missing required/,
  ],
  [
    'professional without the payer',
    () => {
      const c = professional();
      omit(c, 'insurer');
      return c;
    },
    PROFILE_URLS.professionalClaimDraft,
    /Claim\.insurer: Missing required property/,
  ],
  [
    'an institutional claim against the professional profile',
    () => institutional(),
    PROFILE_URLS.professionalClaimDraft,
    /Claim\.type: Value did not match expected pattern/,
  ],
  [
    'a care team role outside the vialwise roles',
    () => {
      const c = institutional();
      c.careTeam![0]!.role = {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claimcareteamrole', code: 'primary' }],
      };
      return c;
    },
    PROFILE_URLS.claimDraft,
    /no coding from the required ValueSet https:\/\/vialwise\.dev\/fhir\/ValueSet\/vialwise-care-team-role/,
  ],
  [
    'a price-basis tag with a code the CodeSystem does not have',
    () => {
      const c = institutional();
      c.meta = { tag: [{ system: CODE_SYSTEM_URLS.priceBasis, code: 'guess' }] };
      return c;
    },
    PROFILE_URLS.claimDraft,
    /'guess' is not a code of https:\/\/vialwise\.dev\/fhir\/CodeSystem\/price-basis/,
  ],
  [
    'a drug-payment code the CodeSystem does not have',
    () => institutionalIn('0111', '21', 'paid-by-magic'),
    PROFILE_URLS.claimDraft,
    /'paid-by-magic' is not a code of https:\/\/vialwise\.dev\/fhir\/CodeSystem\/drug-payment/,
  ],
];

describe('a setting draft that does not conform', () => {
  it.each(cases)('fails %s', (_name, build, profile, expected) => {
    const found = check(build(), profile);
    expect(
      found.some((m) => expected.test(m)),
      found.join('\n'),
    ).toBe(true);
  });
});

describe('price-basis markers', () => {
  const tag = (code: string): Coding => ({ system: CODE_SYSTEM_URLS.priceBasis, code });

  it('a Claim may say its charges are estimates from an earlier quarter and illustrative', () => {
    const claim = professional();
    claim.meta = { tag: [tag('payment-limit-estimate'), tag('earlier-quarter'), tag('illustrative')] };
    expect(check(claim, PROFILE_URLS.professionalClaimDraft)).toEqual([]);
  });

  it('a DetectedIssue may say its revenue at risk rests on illustrative prices, and nothing else', () => {
    const issue: DetectedIssue = fixture('documentation-gap');
    issue.meta = { tag: [tag('illustrative')] };
    expect(messages(validateWritten(issue))).toEqual([]);
    issue.meta = { tag: [tag('invented')] };
    expect(messages(validateWritten(issue))).toEqual([
      expect.stringMatching(
        /'invented' is not a code of https:\/\/vialwise\.dev\/fhir\/CodeSystem\/price-basis/,
      ),
    ]);
  });

  it('tags of other systems are left alone (open slicing)', () => {
    const claim = institutional();
    claim.meta = {
      tag: [
        tag('chargemaster'),
        { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HTEST' },
      ],
    };
    expect(check(claim, PROFILE_URLS.institutionalClaimDraft)).toEqual([]);
  });

  it('an institutional claim keeps its type when validated by the base profile (claim type value set)', () => {
    const claim = institutional();
    claim.type = { coding: [{ system: CLAIM_TYPE, code: 'oral' }] };
    expect(check(claim, PROFILE_URLS.claimDraft).some((m) => /vw-claim-3 not met/.test(m))).toBe(true);
  });
});
