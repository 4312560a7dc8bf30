/**
 * The engine's working data: one billable administration as the rules see it, and the list of
 * gaps being raised (one per code and subject, merged when raised twice).
 */
import { GAPS, type GapCode } from '../domain/gaps.ts';
import { sumMoney } from '../domain/money.ts';
import type { Amount } from './quantity.ts';
import type { Gap, Money } from '../domain/types.ts';
import type { MedicationAdministration } from '@medplum/fhirtypes';
import type { HcpcsCode, Product } from '../catalog/types.ts';

/** One billable administration, with everything the line needs. */
export interface Fact {
  readonly admin: MedicationAdministration;
  readonly ref: string;
  readonly id: string;
  readonly dos: string;
  readonly ingredient: string;
  readonly ingredientName: string;
  readonly product?: Product;
  readonly ndc?: string;
  readonly candidates: readonly HcpcsCode[];
  /** Amount given, as mass (or units). */
  readonly given: Amount;
  readonly discarded?: Amount;
  /** Drug amount in one container (mass or units), when known. */
  readonly containerAmount?: number;
  /**
   * Containers opened for this administration: documented (0 = it continued a container an
   * earlier administration opened, e.g. a titrated drip), else the fewest that hold the dose.
   */
  readonly opened?: number;
  readonly openedDocumented: boolean;
  readonly containerUse?: 'single-dose' | 'multi-dose';
  readonly singleDose: boolean;
  readonly mgPerMl?: number;
  readonly diagnoses: readonly string[];
}

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
