/**
 * missing-diagnosis and diagnosis-not-supported: every administration needs a linked diagnosis,
 * and one the payer's coverage policy accepts for the code when the payer rules list them.
 */
import type { Check } from './check.ts';
import { administrationRisk } from './risk.ts';

export const checkDiagnoses: Check = ({ facts, codeOf: codes, payer, catalog }, gaps) => {
  for (const f of facts) {
    const code = codes.get(f.ref);
    const supporting = code ? payer.rules.supportingDiagnoses[code] : undefined;
    if (f.diagnoses.length === 0) {
      gaps.add(
        'missing-diagnosis',
        f.id,
        [f.ref],
        `Link the diagnosis that is the reason for the ${f.ingredientName} given on ${f.dos} (to the administration or the visit).`,
        administrationRisk(f, codes, catalog),
      );
    } else if (code && supporting?.length) {
      const ok = f.diagnoses.some((d) =>
        supporting.some((s) => d.replace('.', '').toUpperCase().startsWith(s)),
      );
      if (!ok)
        gaps.add(
          'diagnosis-not-supported',
          f.id,
          [f.ref],
          `The payer covers ${code} only for specific diagnoses and none is linked to the ${f.ingredientName} given on ${f.dos}: document the diagnosis that supports it.`,
          administrationRisk(f, codes, catalog),
        );
    }
  }
};
