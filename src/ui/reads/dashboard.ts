/**
 * The dashboard's reads: the vialwise Claims and DetectedIssues in pages of 500 (no
 * `_include`), then what dates the issues (administrations, Encounters) by id, in chunks.
 *
 * With a range that has a start, both searches ask only for records written since the day
 * before it (`_lastUpdated`): a Claim line or a gap is written after the administration it is
 * about was charted, so a record last written before the range cannot hold a service in it.
 * The day of margin covers dates of service written in a time zone ahead of UTC.
 */
import type { Claim, DetectedIssue } from '@medplum/fhirtypes';
import type { FhirGateway } from '../../fhir/gateway.ts';
import { CLAIM_DRAFT_SID, GAP_SID } from '../../domain/vocabulary.ts';
import type { DateRange } from '../contract.ts';
import { implicatedIds } from '../shape.ts';
import type { DashboardResources } from '../views/dashboard.ts';
import { readByValues, searchFound } from './paged.ts';

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
      `DetectedIssue?identifier=${enc(`${GAP_SID}|`)}${since(range)}&_count=${PAGE}`,
      MAX_PAGES,
    ),
  ]);
  const gaps = issues.resources.filter((r): r is DetectedIssue => r.resourceType === 'DetectedIssue');
  const related = await readByValues(gateway, [
    {
      type: 'MedicationAdministration',
      param: '_id',
      values: implicatedIds(gaps, 'MedicationAdministration'),
    },
    { type: 'Encounter', param: '_id', values: implicatedIds(gaps, 'Encounter') },
  ]);
  return {
    claims: claims.resources.filter((r): r is Claim => r.resourceType === 'Claim'),
    issues: gaps,
    related: related.resources,
    truncated: claims.truncated || issues.truncated || related.truncated,
  };
}
