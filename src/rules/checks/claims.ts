/**
 * claim-already-submitted: a Claim that has left draft is never modified, so when the
 * documentation now gives other lines a corrected claim is needed.
 */
import type { EncounterInput } from '../../domain/input.ts';
import type { BillingLine } from '../../domain/types.ts';
import { isSubmittedStatus } from '../../domain/claim-status.ts';
import { codings, finiteNumber } from '../../domain/fhir-values.ts';
import { SYSTEMS } from '../../domain/vocabulary.ts';
import type { GapList } from '../gap-list.ts';
import type { Check } from './check.ts';

export const checkSubmittedClaims: Check = ({ input, lines, encounter }, gaps) =>
  compareWithSubmittedClaims(input, lines, encounter.ref, gaps);

/** A Claim that has left draft and no longer matches the derived lines needs a corrected claim. */
export function compareWithSubmittedClaims(
  input: EncounterInput,
  lines: readonly BillingLine[],
  encounterRef: string,
  gaps: GapList,
): void {
  if (input.claims.length === 0) return;
  const derived = lines
    .map((l) => `${l.code}|${[...l.modifiers].sort().join('+')}|${l.units}|${l.dateOfService}`)
    .sort();
  for (const claim of input.claims) {
    if (!claim?.id || !isSubmittedStatus(claim.status)) continue;
    const submitted = (Array.isArray(claim.item) ? claim.item : [])
      .map((it) => {
        const code = codings(it?.productOrService, SYSTEMS.hcpcs)[0]?.code ?? '';
        const mods = (Array.isArray(it?.modifier) ? it.modifier : []).flatMap((m) =>
          codings(m, SYSTEMS.hcpcs).map((c) => c.code as string),
        );
        return `${code}|${mods.sort().join('+')}|${finiteNumber(it?.quantity?.value) ?? 0}|${it?.servicedDate ?? ''}`;
      })
      .sort();
    if (submitted.join('\n') !== derived.join('\n')) {
      gaps.add(
        'claim-already-submitted',
        'encounter',
        [`Claim/${claim.id}`, encounterRef],
        'The documentation changed after the claim was submitted: the drug lines now differ, so a corrected claim is needed.',
      );
    }
  }
}
