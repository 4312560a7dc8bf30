/**
 * The dashboard's reads: the vialwise Claims and DetectedIssues (by their code system, as in
 * gaps.ts) in pages of 500 (no `_include`), then what dates the issues (administrations,
 * Encounters) read by id in batches.
 *
 * With a range that has a start, both searches ask only for records written since the day
 * before it (`_lastUpdated`): a Claim line or a gap is written after the administration it is
 * about was charted, so a record last written before the range cannot hold a service in it.
 * The day of margin covers dates of service written in a time zone ahead of UTC.
 */
import type { Claim, DetectedIssue } from '@medplum/fhirtypes';
import type { FhirGateway } from '../../fhir/gateway.ts';
import { CLAIM_DRAFT_SID, GAP_CODE_SYSTEM } from '../../domain/vocabulary.ts';
import type { DateRange } from '../contract.ts';
import { implicatedIds } from '../shape.ts';
import type { DashboardResources } from '../views/dashboard.ts';
import { readByIds, searchFound } from './paged.ts';

const PAGE = 500;
const MAX_PAGES = 40;
const enc = encodeURIComponent;

function since(range: DateRange): string {
  if (!range.from) return '';
  const day = new Date(Date.parse(`${range.from}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  return `&_lastUpdated=${enc(`ge${day}`)}`;
}

export async function readDashboardResources(
  gateway: FhirGateway,
  range: DateRange,
): Promise<DashboardResources> {
  const [claims, issues] = await Promise.all([
    searchFound(
      gateway,
      `Claim?identifier=${enc(`${CLAIM_DRAFT_SID}|`)}${since(range)}&_count=${PAGE}`,
      MAX_PAGES,
    ),
    searchFound(
      gateway,
      `DetectedIssue?code=${enc(`${GAP_CODE_SYSTEM}|`)}${since(range)}&_count=${PAGE}`,
      MAX_PAGES,
    ),
  ]);
  const gaps = issues.resources.filter((r): r is DetectedIssue => r.resourceType === 'DetectedIssue');
  const related = await readByIds(gateway, [
    ...implicatedIds(gaps, 'MedicationAdministration').map((id) => `MedicationAdministration/${id}`),
    ...implicatedIds(gaps, 'Encounter').map((id) => `Encounter/${id}`),
  ]);
  return {
    claims: claims.resources.filter((r): r is Claim => r.resourceType === 'Claim'),
    issues: gaps,
    related,
    truncated: claims.truncated || issues.truncated,
  };
}
