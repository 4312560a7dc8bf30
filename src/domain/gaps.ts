/**
 * The documentation-gap registry: one place for every code the engine can raise, its fixed
 * severity, and the wording used in the FHIR CodeSystem, the docs and the UI (SPEC section 5).
 */
export type Severity = 'high' | 'moderate' | 'low';

interface GapDefinition {
  readonly severity: Severity;
  readonly display: string;
  readonly definition: string;
}

export const GAPS = {
  'missing-diagnosis': {
    severity: 'high',
    display: 'Missing diagnosis',
    definition: 'No diagnosis is linked to the administration or its encounter.',
  },
  'diagnosis-not-supported': {
    severity: 'high',
    display: 'Diagnosis does not support the drug',
    definition:
      'A coverage policy lists supporting ICD-10-CM codes for the HCPCS code and none of the linked diagnoses matches.',
  },
  'missing-dose': {
    severity: 'high',
    display: 'Missing dose',
    definition: 'The administration has no dose and no rate with a duration.',
  },
  'dose-unit-unconvertible': {
    severity: 'high',
    display: 'Dose unit cannot be converted',
    definition: "The amount given cannot be converted into the billing code's measure.",
  },
  'missing-route': {
    severity: 'moderate',
    display: 'Missing route',
    definition: 'The administration has no route.',
  },
  'missing-administration-time': {
    severity: 'moderate',
    display: 'Missing administration time',
    definition: 'The administration has no effective time, or an infusion has no stop time.',
  },
  'wastage-undocumented': {
    severity: 'high',
    display: 'Wastage not documented',
    definition:
      'A single-dose container was partly used beyond what rounding covers and the discarded amount is not documented.',
  },
  'wastage-inconsistent': {
    severity: 'moderate',
    display: 'Wastage inconsistent',
    definition:
      'Given plus discarded does not match the opened containers, or waste is recorded on a multi-dose container.',
  },
  'drug-not-identified': {
    severity: 'moderate',
    display: 'Drug not identified',
    definition: 'The ingredient is in the catalog, but no billable product or code can be chosen.',
  },
  'ndc-missing': {
    severity: 'moderate',
    display: 'NDC missing',
    definition: 'The payer requires an NDC and none is documented.',
  },
  'missing-encounter': {
    severity: 'high',
    display: 'Missing encounter',
    definition: 'The administration is not linked to an encounter.',
  },
  'patient-mismatch': {
    severity: 'high',
    display: 'Patient mismatch',
    definition: "The administration's subject differs from the encounter's; nothing of it is billed.",
  },
  'no-coverage': {
    severity: 'high',
    display: 'No coverage',
    definition: 'No active Coverage on the date of service; no Claim can be drafted.',
  },
  'prior-auth-missing': {
    severity: 'high',
    display: 'Prior authorization missing',
    definition: 'Payer rules require prior authorization for the code in this setting and none is on file.',
  },
  'site-of-service-restricted': {
    severity: 'high',
    display: 'Site of service restricted',
    definition: 'Payer rules do not allow the code in this setting.',
  },
  'units-exceed-mue': {
    severity: 'moderate',
    display: 'Units exceed MUE',
    definition: "Units on a date of service exceed the code's medically unlikely edit in the catalog.",
  },
  'charge-code-mismatch': {
    severity: 'high',
    display: 'Posted charge has the wrong code',
    definition: 'A posted ChargeItem bills a code that does not match the drug given.',
  },
  'charge-units-mismatch': {
    severity: 'moderate',
    display: 'Posted units differ',
    definition:
      'Posted units differ from derived units (under-billing is revenue at risk; over-billing is a compliance risk).',
  },
  'charge-modifier-missing': {
    severity: 'high',
    display: 'Posted charge lacks JW/JZ',
    definition: 'A posted charge lacks the JW or JZ modifier that the line needs.',
  },
  'missing-performer': {
    severity: 'low',
    display: 'Missing performer',
    definition: 'The administration has no performer.',
  },
  'claim-already-submitted': {
    severity: 'moderate',
    display: 'Claim already submitted',
    definition: 'The derived lines differ from a Claim that has left draft: a corrected claim is needed.',
  },
} as const satisfies Record<string, GapDefinition>;

export type GapCode = keyof typeof GAPS;

export const GAP_CODE_LIST = Object.keys(GAPS) as GapCode[];

export function isGapCode(value: string): value is GapCode {
  return Object.hasOwn(GAPS, value);
}

export function severityOf(code: GapCode): Severity {
  return GAPS[code].severity;
}
