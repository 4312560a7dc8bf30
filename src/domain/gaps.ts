/**
 * The documentation-gap registry: one place for every code the engine can raise, its fixed
 * severity, and the wording used in the FHIR CodeSystem, the docs and the UI (docs/profiles.md lists them).
 */
export type Severity = 'high' | 'moderate' | 'low';

/**
 * Who works a gap: nurses and clinicians fix the clinical documentation, charge reviewers
 * correct posted charges and claims, registration fixes coverage and authorizations
 * (docs/ui.md, "Queues").
 */
export type GapQueue = 'clinical-documentation' | 'charge-correction' | 'registration-coverage';

interface GapDefinition {
  readonly queue: GapQueue;
  readonly severity: Severity;
  readonly display: string;
  readonly definition: string;
}

export const GAPS = {
  'missing-diagnosis': {
    queue: 'clinical-documentation',
    severity: 'high',
    display: 'Missing diagnosis',
    definition: 'No diagnosis is linked to the administration or its encounter.',
  },
  'diagnosis-not-supported': {
    queue: 'clinical-documentation',
    severity: 'high',
    display: 'Diagnosis does not support the drug',
    definition:
      'A coverage policy lists supporting ICD-10-CM codes for the HCPCS code and none of the linked diagnoses matches.',
  },
  'missing-dose': {
    queue: 'clinical-documentation',
    severity: 'high',
    display: 'Missing dose',
    definition: 'The administration has no dose and no rate with a duration.',
  },
  'dose-unit-unconvertible': {
    queue: 'clinical-documentation',
    severity: 'high',
    display: 'Dose unit cannot be converted',
    definition: "The amount given cannot be converted into the billing code's measure.",
  },
  'missing-route': {
    queue: 'clinical-documentation',
    severity: 'moderate',
    display: 'Missing route',
    definition: 'The administration has no route.',
  },
  'missing-administration-time': {
    queue: 'clinical-documentation',
    severity: 'moderate',
    display: 'Missing administration time',
    definition: 'The administration has no effective time, or an infusion has no stop time.',
  },
  'wastage-undocumented': {
    queue: 'clinical-documentation',
    severity: 'high',
    display: 'Wastage not documented',
    definition:
      'A single-dose container was partly used beyond what rounding covers and the discarded amount is not documented.',
  },
  'wastage-inconsistent': {
    queue: 'clinical-documentation',
    severity: 'moderate',
    display: 'Wastage inconsistent',
    definition:
      'Given plus discarded does not match the opened containers, or waste is recorded on a multi-dose container.',
  },
  'drug-not-identified': {
    queue: 'clinical-documentation',
    severity: 'moderate',
    display: 'Drug not identified',
    definition: 'The ingredient is in the catalog, but no billable product or code can be chosen.',
  },
  'ndc-missing': {
    queue: 'clinical-documentation',
    severity: 'moderate',
    display: 'NDC missing',
    definition: 'The payer requires an NDC and none is documented.',
  },
  'missing-encounter': {
    queue: 'clinical-documentation',
    severity: 'high',
    display: 'Missing encounter',
    definition: 'The administration is not linked to an encounter.',
  },
  'patient-mismatch': {
    queue: 'clinical-documentation',
    severity: 'high',
    display: 'Patient mismatch',
    definition: "The administration's subject differs from the encounter's; nothing of it is billed.",
  },
  'no-coverage': {
    queue: 'registration-coverage',
    severity: 'high',
    display: 'No coverage',
    definition: 'No active Coverage on the date of service; no Claim can be drafted.',
  },
  'prior-auth-missing': {
    queue: 'registration-coverage',
    severity: 'high',
    display: 'Prior authorization missing',
    definition: 'Payer rules require prior authorization for the code in this setting and none is on file.',
  },
  'site-of-service-restricted': {
    queue: 'registration-coverage',
    severity: 'high',
    display: 'Site of service restricted',
    definition: 'Payer rules do not allow the code in this setting.',
  },
  'units-exceed-mue': {
    queue: 'charge-correction',
    severity: 'moderate',
    display: 'Units exceed MUE',
    definition: "Units on a date of service exceed the code's medically unlikely edit in the catalog.",
  },
  'charge-code-mismatch': {
    queue: 'charge-correction',
    severity: 'high',
    display: 'Posted charge has the wrong code',
    definition: 'A posted ChargeItem bills a code that does not match the drug given.',
  },
  'charge-units-mismatch': {
    queue: 'charge-correction',
    severity: 'moderate',
    display: 'Posted units differ',
    definition:
      'Posted units differ from derived units (under-billing is revenue at risk; over-billing is a compliance risk).',
  },
  'charge-modifier-missing': {
    queue: 'charge-correction',
    severity: 'high',
    display: 'Posted charge lacks JW/JZ',
    definition: 'A posted charge lacks the JW or JZ modifier that the line needs.',
  },
  'missing-performer': {
    queue: 'clinical-documentation',
    severity: 'low',
    display: 'Missing performer',
    definition: 'The administration has no performer.',
  },
  'claim-already-submitted': {
    queue: 'charge-correction',
    severity: 'moderate',
    display: 'Claim already submitted',
    definition: 'The derived lines differ from a Claim that has left draft: a corrected claim is needed.',
  },
  'payer-unclassified': {
    queue: 'registration-coverage',
    severity: 'moderate',
    display: 'Payer not classified',
    definition:
      "The Coverage's payer is neither an SOPT category nor mapped in the payer rules: lines are drafted under Medicare's JW/JZ rules until registration fixes it.",
  },
  'units-not-computable': {
    queue: 'charge-correction',
    severity: 'high',
    display: 'Units cannot be computed',
    definition:
      "The drug's billing code is valid, but its billing unit in CMS's pricing file (per dose or item, a combination of amounts, a range, a cell count) cannot be computed from the documented dose, or a per-vial code lacks the number of vials: enter the charge by hand.",
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
