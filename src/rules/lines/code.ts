/**
 * Code choice (the billing code valid on the date of service): among the drug family's codes,
 * the one that bills the smallest amount covering the day's total, then the fewest units
 * (CMS Claims Processing Manual ch.17 section 70: bill the units of the descriptor's dosage;
 * docs/billing-rules.md, "Code choice").
 */
import type { HcpcsCode } from '../../catalog/types.ts';
import type { Fact } from '../facts.ts';
import type { GapList } from '../gap-list.ts';
import { type Amount, toMeasure } from '../quantity.ts';
import { administeredUnits } from '../units.ts';
import { groupBy, inMeasure, sumAmounts } from './amounts.ts';

export interface Coded {
  readonly fact: Fact;
  readonly code: HcpcsCode;
}

export function chooseCode(
  candidates: readonly HcpcsCode[],
  total: Amount,
  mgPerMl?: number,
): HcpcsCode | undefined {
  let best: { code: HcpcsCode; billed: number; units: number } | undefined;
  for (const c of candidates) {
    const v = inMeasure(total, c, mgPerMl);
    if (v === undefined) continue;
    const units = administeredUnits(v, c.unit.amount);
    const billedAmount = toMeasure({ kind: 'mass', mg: 1 }, c.unit.measure, mgPerMl);
    const billed = billedAmount ? (units * c.unit.amount) / billedAmount : units * c.unit.amount;
    if (
      !best ||
      billed < best.billed - 1e-9 ||
      (Math.abs(billed - best.billed) <= 1e-9 && units < best.units)
    ) {
      best = { code: c, billed, units };
    }
  }
  return best?.code;
}

/** The code of every fact, chosen on the day's total of its family (whatever the NDCs). */
export function assignCodes(facts: readonly Fact[], gaps: GapList): Coded[] {
  const groups = groupBy(facts, (f) => `${f.candidates.map((c) => c.code).join('+')}|${f.dos}`);
  const coded: Coded[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    const code = first
      ? chooseCode(first.candidates, sumAmounts(group.map((f) => f.given)), first.mgPerMl)
      : undefined;
    for (const f of group) {
      if (code) coded.push({ fact: f, code });
      else
        gaps.add(
          'dose-unit-unconvertible',
          f.id,
          [f.ref],
          `The ${f.ingredientName} amount cannot be expressed in its billing code's measure: document it in mg.`,
        );
    }
  }
  return coded;
}
