/**
 * The worklist's reads: the open vialwise gaps in pages of 500 (no `_include`), then what they
 * point at: administrations, posted ChargeItems, Encounters and Patients read by id in batches,
 * the Medications the administrations name, the patients' Coverages with their payers and the
 * gaps' assignment Tasks searched in chunks. With 2,000 open gaps on 500 encounters: 5 pages,
 * about 16 batches and 40 small searches.
 */
import type { DetectedIssue, Resource, Task } from '@medplum/fhirtypes';
import type { FhirGateway } from '../../fhir/gateway.ts';
import { GAP_CODE_SYSTEM } from '../../domain/vocabulary.ts';
import { idOf, implicatedIds, isSafeId, isVialwiseIssue } from '../shape.ts';
import type { GapResources } from '../views/worklist.ts';
import { readByIds, readByValues, searchFound, type ByValues } from './paged.ts';

const ISSUE_PAGE = 500;
/** 20,000 open gaps: beyond that the page says the list is incomplete. */
export const MAX_ISSUE_PAGES = 40;

const enc = encodeURIComponent;

/*
 * Open gaps are searched by their code system (`code=<documentation-gap>|`), which only vialwise
 * writes, and then kept only with vialwise's gap identifier. Searching by the identifier's system
 * alone (`identifier=<sid>|`) selects the same issues, but the embedded server evaluates it per
 * resource: about 1.5 ms per DetectedIssue, 3 s for 2,000 (test/ui/worklist-scale.test.ts).
 */

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

function refs(type: string, ids: readonly string[]): string[] {
  return ids.map((id) => `${type}/${id}`);
}

/** Medications the administrations name by reference (not contained ones). */
function medicationIds(resources: readonly Resource[]): string[] {
  const out = new Set<string>();
  for (const r of resources) {
    if (r.resourceType !== 'MedicationAdministration') continue;
    const id = idOf(r.medicationReference, 'Medication');
    if (id && isSafeId(id)) out.add(id);
  }
  return [...out];
}

const coverageSearch = (patients: readonly string[]): ByValues => ({
  type: 'Coverage',
  param: 'beneficiary',
  values: patients.map((p) => `Patient/${p}`),
  extra: '&_include=Coverage:payor',
});

/** What the open gaps point at, and their Tasks. */
export async function readGapContext(
  gateway: FhirGateway,
  issues: readonly DetectedIssue[],
): Promise<{ related: Resource[]; tasks: Task[]; truncated: boolean }> {
  const ids = issues.map((i) => i.id).filter((id): id is string => !!id && isSafeId(id));
  const patients = patientIds(issues, []);
  const [read, searched] = await Promise.all([
    readByIds(gateway, [
      ...refs('MedicationAdministration', implicatedIds(issues, 'MedicationAdministration')),
      ...refs('ChargeItem', implicatedIds(issues, 'ChargeItem')),
      ...refs('Encounter', implicatedIds(issues, 'Encounter')),
      ...refs('Patient', patients),
    ]),
    readByValues(gateway, [
      coverageSearch(patients),
      { type: 'Task', param: 'focus', values: ids.map((id) => `DetectedIssue/${id}`) },
    ]),
  ]);
  // Then the Medications the administrations name, and the patients of gaps that name theirs
  // only through the Encounter.
  const more = patientIds([], read).filter((p) => !patients.includes(p));
  const [medications, morePatients, moreCoverages] = await Promise.all([
    readByIds(gateway, refs('Medication', medicationIds(read))),
    readByIds(gateway, refs('Patient', more)),
    more.length ? readByValues(gateway, [coverageSearch(more)]) : { resources: [], truncated: false },
  ]);
  const all = [...read, ...searched.resources, ...medications, ...morePatients, ...moreCoverages.resources];
  return {
    related: all.filter((r) => r.resourceType !== 'Task'),
    tasks: all.filter((r): r is Task => r.resourceType === 'Task'),
    truncated: searched.truncated || moreCoverages.truncated,
  };
}

/** The open vialwise gaps and everything their worklist rows show. */
export async function readOpenGaps(gateway: FhirGateway): Promise<GapResources> {
  const found = await searchFound(
    gateway,
    `DetectedIssue?status=preliminary&code=${enc(`${GAP_CODE_SYSTEM}|`)}&_count=${ISSUE_PAGE}`,
    MAX_ISSUE_PAGES,
  );
  const issues = found.resources.filter(
    (r): r is DetectedIssue =>
      r.resourceType === 'DetectedIssue' && r.status === 'preliminary' && isVialwiseIssue(r),
  );
  const context = await readGapContext(gateway, issues);
  return {
    issues,
    related: context.related,
    tasks: context.tasks,
    truncated: found.truncated || context.truncated,
  };
}
