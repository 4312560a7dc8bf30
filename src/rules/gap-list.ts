/**
 * The gaps raised while evaluating one Encounter: one per code and subject, merged when two
 * rules raise the same one (the first sentence is kept, the implicated resources and the
 * revenue at risk add up).
 */
import { GAPS, type GapCode } from '../domain/gaps.ts';
import { sumMoney } from '../domain/money.ts';
import type { Gap, Money } from '../domain/types.ts';

export class GapList {
  private readonly byKey = new Map<string, Gap>();

  add(
    code: GapCode,
    subjectKey: string,
    implicated: readonly string[],
    detail: string,
    revenueAtRisk?: Money,
  ): void {
    const key = `${code}:${subjectKey}`;
    const existing = this.byKey.get(key);
    if (existing) {
      const merged = [...new Set([...existing.implicated, ...implicated])];
      const risk = sumMoney(existing.revenueAtRisk, revenueAtRisk);
      this.byKey.set(key, { ...existing, implicated: merged, ...(risk ? { revenueAtRisk: risk } : {}) });
      return;
    }
    this.byKey.set(key, {
      code,
      severity: GAPS[code].severity,
      subjectKey,
      implicated: [...new Set(implicated)],
      detail,
      ...(revenueAtRisk ? { revenueAtRisk } : {}),
    });
  }

  list(): Gap[] {
    return [...this.byKey.values()].sort((a, b) =>
      (a.code + a.subjectKey).localeCompare(b.code + b.subjectKey),
    );
  }
}
