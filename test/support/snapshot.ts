/** What vialwise wrote on a FHIR server, without server-assigned ids, for fault-vs-fault-free comparisons. */
import type { Claim, DetectedIssue } from '@medplum/fhirtypes';
import { searchResources } from './service.ts';

export interface WrittenSnapshot {
  readonly claims: string[];
  readonly issues: string[];
}

export async function writtenSnapshot(base: string): Promise<WrittenSnapshot> {
  const claims = await searchResources<Claim>(base, 'Claim?_count=1000');
  const issues = await searchResources<DetectedIssue>(base, 'DetectedIssue?_count=1000');
  return {
    claims: claims
      .map((c) => {
        const items = (c.item ?? [])
          .map((i) =>
            [
              i.productOrService.coding?.[0]?.code,
              (i.modifier ?? []).map((m) => m.coding?.[0]?.code).join('+'),
              i.quantity?.value,
              i.servicedDate,
              i.detail?.[0]?.productOrService.coding?.[0]?.code ?? '',
            ].join('|'),
          )
          .sort();
        return `${c.identifier?.[0]?.value} ${c.status} [${items.join(', ')}]`;
      })
      .sort(),
    issues: issues.map((i) => `${i.identifier?.[0]?.value} ${i.status}`).sort(),
  };
}
