/**
 * Coverage on the dates of service and the payer's rules. The payer's category comes from the
 * Coverage's SOPT type, then from the payer rules' mapping of the hospital's own payors and
 * financial classes; a payer none of them names is unclassified, and its lines are drafted
 * under Medicare's rules until registration fixes it (docs/billing-rules.md, "Payer
 * classification").
 */
import type { Coverage } from '@medplum/fhirtypes';
import type { CategoryRules, PayerRules } from '../catalog/payer-rules.ts';
import type { PayerCategory } from '../domain/types.ts';
import { calendarDate, codings, localRef, textsOf } from '../domain/fhir-values.ts';
import { SYSTEMS } from '../domain/vocabulary.ts';

export function isCoverageActiveOn(
  c: Coverage,
  patient: string | undefined,
  date: string,
  dateOf: (dateTime: string | undefined) => string | undefined = calendarDate,
): boolean {
  if (c.status !== 'active') return false;
  if (patient && localRef(c.beneficiary) !== patient) return false;
  const start = dateOf(c.period?.start);
  const end = dateOf(c.period?.end);
  if (start && date < start) return false;
  if (end && date > end) return false;
  return true;
}

/** The primary Coverage active on every date: lowest `order`, then the first listed. */
export function primaryCoverage(
  coverages: readonly Coverage[],
  patient: string | undefined,
  dates: readonly string[],
  dateOf: (dateTime: string | undefined) => string | undefined = calendarDate,
): Coverage | undefined {
  const active = coverages.filter((c) => dates.every((d) => isCoverageActiveOn(c, patient, d, dateOf)));
  return active.sort(
    (a, b) => (a.order ?? Number.MAX_SAFE_INTEGER) - (b.order ?? Number.MAX_SAFE_INTEGER),
  )[0];
}

/** How the category was found: SOPT, a payor entry, a financial class, the payor's name; or not at all. */
export type Classification =
  'sopt' | 'payor' | 'financial-class' | 'payor-name' | 'no-coverage' | 'unclassified';

export interface PayerContext {
  readonly category: PayerCategory;
  readonly rules: CategoryRules;
  readonly classifiedBy: Classification;
}

/** Lines of an unclassified payer are drafted under Medicare's JW/JZ rules. */
const UNCLASSIFIED_AS: PayerCategory = 'medicare';

const normalise = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

export function payerContext(coverage: Coverage | undefined, rules: PayerRules): PayerContext {
  if (!coverage) return context(rules, rules.defaultCategory, 'no-coverage');
  const { byPayor, byName } = payorEntries(coverage, rules);
  const entry = byPayor ?? byName;

  const sopt = soptCategory(coverage, rules);
  if (sopt) return context(rules, sopt, 'sopt', entry?.overrides);
  if (byPayor) return context(rules, byPayor.category, 'payor', byPayor.overrides);
  const financialClass = financialClassOf(coverage, rules);
  if (financialClass) return context(rules, financialClass, 'financial-class', entry?.overrides);
  if (byName) return context(rules, byName.category, 'payor-name', byName.overrides);
  return context(rules, UNCLASSIFIED_AS, 'unclassified');
}

function context(
  rules: PayerRules,
  category: PayerCategory,
  classifiedBy: Classification,
  overrides?: { readonly [K in keyof CategoryRules]?: CategoryRules[K] | undefined },
): PayerContext {
  const base = rules.categories[category];
  if (!overrides) return { category, classifiedBy, rules: base };
  // An override the file leaves out keeps the category's value (never replaced by undefined).
  const set = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { category, classifiedBy, rules: { ...base, ...set } };
}

type PayorEntry = PayerRules['payors'][number];

/** The payors entries naming the Coverage's payor by reference or identifier, and by name. */
function payorEntries(coverage: Coverage, rules: PayerRules): { byPayor?: PayorEntry; byName?: PayorEntry } {
  if (rules.payors.length === 0) return {};
  const keys = new Set<string>();
  const names = new Set<string>();
  for (const p of Array.isArray(coverage.payor) ? coverage.payor : []) {
    if (!p) continue;
    const r = localRef(p);
    if (r) keys.add(r);
    if (p.identifier?.system && p.identifier.value) keys.add(`${p.identifier.system}|${p.identifier.value}`);
    if (typeof p.display === 'string') names.add(normalise(p.display));
  }
  const byPayor = rules.payors.find((p) => p.payor !== undefined && keys.has(p.payor));
  const byName = rules.payors.find((p) => p.name !== undefined && names.has(normalise(p.name)));
  return { ...(byPayor ? { byPayor } : {}), ...(byName ? { byName } : {}) };
}

/** The longest SOPT prefix the rules list; an SOPT code they do not list is the default category. */
function soptCategory(coverage: Coverage, rules: PayerRules): PayerCategory | undefined {
  const codes = codings(coverage.type, SYSTEMS.sopt).map((c) => c.code as string);
  if (codes.length === 0) return undefined;
  let best: { prefix: string; category: PayerCategory } | undefined;
  for (const code of codes) {
    for (const s of rules.sopt) {
      if (code.startsWith(s.prefix) && (!best || s.prefix.length > best.prefix.length)) best = s;
    }
  }
  return best?.category ?? rules.defaultCategory;
}

function financialClassOf(coverage: Coverage, rules: PayerRules): PayerCategory | undefined {
  if (rules.financialClasses.length === 0) return undefined;
  const coded = codings(coverage.type);
  const texts = new Set(textsOf(coverage.type).map(normalise));
  const hit = rules.financialClasses.find((f) =>
    f.code !== undefined
      ? coded.some((c) => c.code === f.code && (f.system === undefined || c.system === f.system))
      : f.text !== undefined && texts.has(normalise(f.text)),
  );
  return hit?.category;
}
