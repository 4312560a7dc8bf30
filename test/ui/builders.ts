/** Builders of the FHIR resources the UI's pure tests start from (shaped as vialwise writes them). */
import type {
  Claim,
  ClaimItem,
  Coverage,
  DetectedIssue,
  Encounter,
  Medication,
  MedicationAdministration,
  Organization,
  Patient,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import type { PriceInfo } from '../../src/ui/shape.ts';
import type { DashboardResources } from '../../src/ui/views/dashboard.ts';
import type { GapResources } from '../../src/ui/views/worklist.ts';

export const GAP_SID = 'https://vialwise.dev/fhir/sid/documentation-gap';
export const GAP_CS = 'https://vialwise.dev/fhir/CodeSystem/documentation-gap';
export const MITIGATION = 'https://vialwise.dev/fhir/CodeSystem/gap-mitigation';
export const RISK = 'https://vialwise.dev/fhir/StructureDefinition/revenue-at-risk';
export const HCPCS = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
export const NDC = 'http://hl7.org/fhir/sid/ndc';

export const ILLUSTRATIVE: PriceInfo = { anyIllustrative: true, illustrative: () => true };
export const REAL: PriceInfo = { anyIllustrative: false, illustrative: () => false };

export function issue(
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

export const patient = (id: string, text: string): Patient => ({
  resourceType: 'Patient',
  id,
  name: [{ use: 'official', text }],
});
export const encounter = (id: string, start: string, pat = 'pat-1'): Encounter => ({
  resourceType: 'Encounter',
  id,
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' },
  subject: { reference: `Patient/${pat}` },
  period: { start },
});
export const medication: Medication = {
  resourceType: 'Medication',
  id: 'med-1',
  code: {
    coding: [{ system: NDC, code: '00143-9753-01', display: 'coding display' }],
    text: 'Methylprednisolone 40 mg/1 mL vial',
  },
};
/** Fields to set, or to clear with `undefined` (as a server's JSON would leave them out). */
type Overrides<T> = { [K in keyof T]?: T[K] | undefined };

export const ma = (id: string, extra: Overrides<MedicationAdministration> = {}): MedicationAdministration =>
  JSON.parse(
    JSON.stringify({
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
    }),
  ) as MedicationAdministration;

export function claimItem(
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

export function claim(id: string, items: ClaimItem[], status: Claim['status'] = 'draft'): Claim {
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

/** What the worklist reads, from a flat list (issues, Tasks and everything else). */
export function gapResources(resources: readonly Resource[], truncated = false): GapResources {
  return {
    issues: resources.filter((r): r is DetectedIssue => r.resourceType === 'DetectedIssue'),
    tasks: resources.filter((r): r is Task => r.resourceType === 'Task'),
    related: resources.filter((r) => r.resourceType !== 'DetectedIssue' && r.resourceType !== 'Task'),
    truncated,
  };
}

export const coverage = (
  id: string,
  pat: string,
  payor: string,
  extra: Partial<Coverage> = {},
): Coverage => ({
  resourceType: 'Coverage',
  id,
  status: 'active',
  beneficiary: { reference: `Patient/${pat}` },
  payor: [{ reference: `Organization/${payor}` }],
  period: { start: '2026-01-01', end: '2026-12-31' },
  ...extra,
});

export const payer = (id: string, name: string): Organization => ({ resourceType: 'Organization', id, name });

/** What the dashboard reads, from a flat list (Claims, DetectedIssues and what dates them). */
export function dashboardResources(resources: readonly Resource[], truncated = false): DashboardResources {
  return {
    claims: resources.filter((r): r is Claim => r.resourceType === 'Claim'),
    issues: resources.filter((r): r is DetectedIssue => r.resourceType === 'DetectedIssue'),
    related: resources.filter((r) => r.resourceType !== 'Claim' && r.resourceType !== 'DetectedIssue'),
    truncated,
  };
}

/** The assignment Task the web UI writes for a gap. */
export const task = (gap: string, owner: Task['owner'], extra: Partial<Task> = {}): Task => ({
  resourceType: 'Task',
  id: `task-${gap}`,
  meta: { versionId: `tv-${gap}` },
  identifier: [{ system: 'https://vialwise.dev/fhir/sid/gap-assignment', value: gap }],
  status: owner ? 'ready' : 'requested',
  intent: 'order',
  focus: { reference: `DetectedIssue/${gap}` },
  lastModified: '2026-11-30T10:00:00Z',
  ...(owner ? { owner } : {}),
  ...extra,
});
