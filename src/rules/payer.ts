/** Coverage on the date of service and the payer's rules (SPEC sections 3 and 8). */
import type { Coverage } from '@medplum/fhirtypes';
import type { CategoryRules, PayerRules } from '../catalog/payer-rules.ts';
import type { PayerCategory } from '../domain/types.ts';
import { calendarDate, codings, localRef } from '../domain/fhir-values.ts';
import { SYSTEMS } from '../domain/vocabulary.ts';

export function isCoverageActiveOn(c: Coverage, patient: string | undefined, date: string): boolean {
  if (c.status !== 'active') return false;
  if (patient && localRef(c.beneficiary) !== patient) return false;
  const start = calendarDate(c.period?.start);
  const end = calendarDate(c.period?.end);
  if (start && date < start) return false;
  if (end && date > end) return false;
  return true;
}

/** The primary Coverage active on every date: lowest `order`, then the first listed. */
export function primaryCoverage(
  coverages: readonly Coverage[],
  patient: string | undefined,
  dates: readonly string[],
): Coverage | undefined {
  const active = coverages.filter((c) => dates.every((d) => isCoverageActiveOn(c, patient, d)));
  return active.sort(
    (a, b) => (a.order ?? Number.MAX_SAFE_INTEGER) - (b.order ?? Number.MAX_SAFE_INTEGER),
  )[0];
}

export interface PayerContext {
  readonly category: PayerCategory;
  readonly rules: CategoryRules;
}

export function payerContext(coverage: Coverage | undefined, rules: PayerRules): PayerContext {
  if (coverage) {
    const keys = new Set<string>();
    for (const p of Array.isArray(coverage.payor) ? coverage.payor : []) {
      const r = localRef(p);
      if (r) keys.add(r);
      if (p?.identifier?.system && p.identifier.value)
        keys.add(`${p.identifier.system}|${p.identifier.value}`);
    }
    const payor = rules.payors.find((p) => keys.has(p.payor));
    if (payor)
      return { category: payor.category, rules: { ...rules.categories[payor.category], ...payor.overrides } };
    const sopt = codings(coverage.type, SYSTEMS.sopt).map((c) => c.code as string);
    let best: { prefix: string; category: PayerCategory } | undefined;
    for (const code of sopt) {
      for (const s of rules.sopt) {
        if (code.startsWith(s.prefix) && (!best || s.prefix.length > best.prefix.length)) best = s;
      }
    }
    if (best) return { category: best.category, rules: rules.categories[best.category] };
  }
  return { category: rules.defaultCategory, rules: rules.categories[rules.defaultCategory] };
}
