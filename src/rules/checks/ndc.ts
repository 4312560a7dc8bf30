/** ndc-missing: the payer requires the NDC on the claim and none was documented. */
import type { Check } from './check.ts';
import { administrationRisk } from './risk.ts';

export const checkNdc: Check = ({ facts, codeOf: codes, payer, catalog }, gaps) => {
  if (!payer.rules.ndcRequired) return;
  for (const f of facts) {
    if (f.ndc) continue;
    gaps.add(
      'ndc-missing',
      f.id,
      [f.ref],
      `Scan or record the NDC of the ${f.ingredientName} package given on ${f.dos}; this payer requires it on the claim.`,
      administrationRisk(f, codes, catalog),
    );
  }
};
