/**
 * The worklist's reads: the open vialwise gaps in pages of 500 (no `_include`), then what they
 * point at by id, in chunks: administrations with their Medications, posted ChargeItems,
 * Encounters, Patients, the patients' Coverages with their payers, and the gaps' assignment
 * Tasks. With 2,000 open gaps that is about 4 pages and a few dozen small searches.
 */
import type { DetectedIssue, Resource, Task } from '@medplum/fhirtypes';
import type { FhirGateway } from '../../fhir/gateway.ts';
import { GAP_SID } from '../../domain/vocabulary.ts';
import { idOf, implicatedIds, isSafeId } from '../shape.ts';
import type { GapResources } from '../views/worklist.ts';
import { readByValues, searchFound, type ByValues } from './paged.ts';

const ISSUE_PAGE = 500;
/** 20,000 open gaps: beyond that the page says the list is incomplete. */
export const MAX_ISSUE_PAGES = 40;

const enc = encodeURIComponent;

function patientIds(issues: readonly DetectedIssue[], encounters: readonly Resource[]): string[] {
  const out = new Set<string>();
  for (const i of issues) {
    const id = idOf(i.patient, 'Patient');
    if (id && isSafeId(id)) out.add(id);
  }
  for (const e of encounters) {
    const id = e.resourceType === 'Encounter' ? idOf(e.subject, 'Patient') : undefined;
    if (id && isSafeId(id)) out.add(id);
  }
  return [...out];
}

/** What the open gaps point at, and their Tasks (also used for the gaps an action touches). */
export async function readGapContext(
  gateway: FhirGateway,
  issues: readonly DetectedIssue[],
): Promise<{ related: Resource[]; tasks: Task[]; truncated: boolean }> {
  const ids = issues.map((i) => i.id).filter((id): id is string => !!id && isSafeId(id));
  const patients = patientIds(issues, []);
  const searches: ByValues[] = [
    {
      type: 'MedicationAdministration',
      param: '_id',
      values: implicatedIds(issues, 'MedicationAdministration'),
      extra: '&_include=MedicationAdministration:medication',
    },
    { type: 'ChargeItem', param: '_id', values: implicatedIds(issues, 'ChargeItem') },
    { type: 'Encounter', param: '_id', values: implicatedIds(issues, 'Encounter') },
    { type: 'Patient', param: '_id', values: patients },
    {
      type: 'Coverage',
      param: 'beneficiary',
      values: patients.map((p) => `Patient/${p}`),
      extra: '&_include=Coverage:payor',
    },
    { type: 'Task', param: 'focus', values: ids.map((id) => `DetectedIssue/${id}`) },
  ];
  const first = await readByValues(gateway, searches);
  // Gaps without a patient of their own name it through their Encounter: read those patients too.
  const more = patientIds([], first.resources).filter((p) => !patients.includes(p));
  const second = more.length
    ? await readByValues(gateway, [
        { type: 'Patient', param: '_id', values: more },
        {
          type: 'Coverage',
          param: 'beneficiary',
          values: more.map((p) => `Patient/${p}`),
          extra: '&_include=Coverage:payor',
        },
      ])
    : { resources: [], truncated: false };
  const all = [...first.resources, ...second.resources];
  return {
    related: all.filter((r) => r.resourceType !== 'Task'),
    tasks: all.filter((r): r is Task => r.resourceType === 'Task'),
    truncated: first.truncated || second.truncated,
  };
}

/** The open vialwise gaps and everything their worklist rows show. */
export async function readOpenGaps(gateway: FhirGateway): Promise<GapResources> {
  const found = await searchFound(
    gateway,
    `DetectedIssue?status=preliminary&identifier=${enc(`${GAP_SID}|`)}&_count=${ISSUE_PAGE}`,
    MAX_ISSUE_PAGES,
  );
  const issues = found.resources.filter(
    (r): r is DetectedIssue => r.resourceType === 'DetectedIssue' && r.status === 'preliminary',
  );
  const context = await readGapContext(gateway, issues);
  return {
    issues,
    related: context.related,
    tasks: context.tasks,
    truncated: found.truncated || context.truncated,
  };
}
