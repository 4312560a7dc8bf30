/** no-coverage: something is billable but no Coverage is active on the dates of service. */
import type { Money } from '../../domain/types.ts';
import { sumMoney } from '../../domain/money.ts';
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
