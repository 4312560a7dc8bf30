/**
 * The Coverage: no-coverage when something is billable but no Coverage is active on the dates
 * of service; payer-unclassified when the Coverage's payer is neither an SOPT category nor
 * mapped by the payer rules (its lines are drafted under Medicare's JW/JZ rules meanwhile).
 */
import type { Money } from '../../domain/types.ts';
import { sumMoney } from '../../domain/money.ts';
import { codings, textsOf } from '../../domain/fhir-values.ts';
import type { Check } from './check.ts';

export const checkCoverage: Check = ({ facts, coverage, lines, encounter }, gaps) => {
  if (!facts.length || coverage) return;
  const lineNet = lines.reduce<Money | undefined>((s, l) => sumMoney(s, l.net), undefined);
  gaps.add(
    'no-coverage',
    'encounter',
    [encounter.ref],
    'No active insurance is on file for the date of service: register the Coverage so a claim can be drafted.',
    lineNet,
  );
};

export const checkPayerClassified: Check = ({ facts, coverage, payer, encounter }, gaps) => {
  if (!facts.length || !coverage || payer.classifiedBy !== 'unclassified') return;
  const payor = (Array.isArray(coverage.payor) ? coverage.payor : []).find(
    (p) => typeof p?.display === 'string',
  );
  const type = textsOf(coverage.type)[0] ?? codings(coverage.type)[0]?.code;
  const named = [payor?.display, type ? `type "${type}"` : undefined].filter(Boolean).join(', ');
  gaps.add(
    'payer-unclassified',
    'encounter',
    [...(coverage.id ? [`Coverage/${coverage.id}`] : []), encounter.ref],
    `The insurance on file${named ? ` (${named})` : ''} has no payer category (its type is not a Source of Payment Typology code, and the payer rules map neither the payer nor its financial class): record the payer's category at registration; meanwhile the drug lines follow Medicare's JW/JZ rules.`,
  );
};
