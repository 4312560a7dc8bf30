/**
 * The payer's own rules per line: codes it does not cover in a care setting
 * (site-of-service-restricted) and codes it covers only with a prior authorization on file
 * (prior-auth-missing). JW lines follow their main line.
 */
import type { EncounterInput } from '../../domain/input.ts';
import { codesOf, localRef } from '../../domain/fhir-values.ts';
import type { EncounterContext } from '../context.ts';
import { SYSTEMS } from '../../domain/vocabulary.ts';
import type { Check } from './check.ts';

export const checkPayerRules: Check = ({ lines, payer, encounter, input }, gaps) => {
  const cls = encounter.class;
  const pa = payer.rules.priorAuth;
  for (const l of lines) {
    if (l.modifiers.includes('JW')) continue;
    const key = `${l.code}:${l.dateOfService}`;
    const restricted = payer.rules.notAllowed.some(
      (n) => n.code === l.code && cls !== undefined && n.encounterClasses.includes(cls as never),
    );
    if (restricted) {
      gaps.add(
        'site-of-service-restricted',
        key,
        l.sourceAdministrations,
        `The payer does not cover ${l.code} in this care setting: review where the drug was given or the payer's site-of-care policy.`,
        l.net,
      );
    }
    const needsAuth = pa.codes.includes(l.code) && !(cls && pa.exemptEncounterClasses.includes(cls as never));
    if (needsAuth && !hasPriorAuthorization(input, encounter, l.code, l.dateOfService)) {
      gaps.add(
        'prior-auth-missing',
        key,
        l.sourceAdministrations,
        `The payer requires prior authorization for ${l.code} and none is on file for ${l.dateOfService}: attach the authorization.`,
        l.net,
      );
    }
  }
};

/** An active preauthorization ClaimResponse of the patient covering the date (and the code, when it lists codes). */
function hasPriorAuthorization(
  input: EncounterInput,
  { patient, dateOf }: EncounterContext,
  code: string,
  dos: string,
): boolean {
  return input.priorAuthorizations.some((cr) => {
    if (cr.use !== 'preauthorization' || cr.status !== 'active') return false;
    if (cr.outcome === 'error') return false;
    if (patient && localRef(cr.patient) !== patient) return false;
    const start = dateOf(cr.preAuthPeriod?.start);
    const end = dateOf(cr.preAuthPeriod?.end);
    if ((start && dos < start) || (end && dos > end)) return false;
    const codes = (Array.isArray(cr.addItem) ? cr.addItem : []).flatMap((i) =>
      codesOf(i?.productOrService, SYSTEMS.hcpcs),
    );
    return codes.length === 0 || codes.includes(code);
  });
}
