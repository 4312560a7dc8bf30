/**
 * Two checks of the pricing file's numbers against the other CMS files (docs/catalog.md "A unit
 * that disagrees" and "Payment limit"). Pure and deterministic.
 *
 * - A quarter whose `HCPCS Code Dosage` disagrees with the same quarter's crosswalk `HCPCS dosage`
 *   and with the long descriptor, while the payment limit stays where the quarters with the
 *   descriptor's unit put it, is a slip in the pricing file (asp-pricing-2024q3.csv prints J2277
 *   motixafortide as `1 MG` next to its own short description "0.25 mg", at the 25.218 the
 *   `0.25 MG` quarters carry): the descriptor's unit is kept and the conflict reported.
 * - A limit about a power of ten away from both neighbouring quarters with the same unit is
 *   flagged as suspect (J2724 1.503 in asp-pricing-2025q3.csv between 15.024 and 15.041), never
 *   changed: CMS's number stands, with a caveat every figure built on it can show.
 */
import { describeUnit, parseBillingUnit, sameUnit } from '../import/dosage.ts';
import type { BillingUnit } from '../import/dosage.ts';
import type { Findings } from './findings.ts';
import type { RawCode, RawPricing } from './raw.ts';

/** The amount a long descriptor ends with ("..., 0.25 mg", "per 3.75 mg", "up to 40 mg"). */
export function descriptorUnit(long: string | undefined): BillingUnit | undefined {
  const m =
    /(?:up to |per )?(\d[\d,]*(?:\.\d+)?|\.\d+) ?(mg|mcg|micrograms?|milligrams?|gm?|grams?|ml|cc|units?|i\.u\.|iu)\s*$/i.exec(
      long ?? '',
    );
  if (!m) return undefined;
  const u = parseBillingUnit(`${m[1]} ${m[2]}`);
  return u.kind === 'amount' ? u : undefined;
}

/** At most this relative change of the limit counts as "the limit did not move". */
const STILL = 0.1;

function limitStill(a: number | null, b: number | null): boolean {
  return a !== null && b !== null && Math.abs(a - b) <= STILL * Math.max(a, b);
}

/**
 * The dosage each pricing quarter bills by: the pricing file's, except in runs of quarters whose
 * dosage disagrees with both the crosswalk (that quarter, one value) and the long descriptor while
 * the limit matches the neighbouring quarters that print the descriptor's unit.
 */
export function usedDosages(
  c: RawCode,
  xw: ReadonlyMap<string, string> | undefined,
  findings: Findings,
): Map<string, string> {
  const used = new Map(c.pricing.map((p) => [p.quarter, p.dosage]));
  const desc = descriptorUnit(c.long);
  if (!desc || !xw) return used;
  const agrees = (p: RawPricing | undefined) => p !== undefined && sameUnit(parseBillingUnit(p.dosage), desc);
  const conflict = (p: RawPricing) => {
    const x = xw.get(p.quarter);
    if (!x || x.includes(' | ') || agrees(p)) return false;
    return sameUnit(parseBillingUnit(x), desc) && parseBillingUnit(p.dosage).kind === 'amount';
  };
  const list = c.pricing;
  for (let i = 0; i < list.length; i++) {
    const first = list[i];
    if (!first || !conflict(first)) continue;
    let j = i;
    while (list[j + 1] && conflict(list[j + 1] as RawPricing) && list[j + 1]?.dosage === first.dosage) j++;
    const last = list[j] as RawPricing;
    const before = list[i - 1];
    const after = list[j + 1];
    const neighbours = [
      ...(agrees(before) && before ? [{ n: before, edge: first }] : []),
      ...(agrees(after) && after ? [{ n: after, edge: last }] : []),
    ];
    const quarters = first === last ? first.quarter : `${first.quarter}-${last.quarter}`;
    const limits = neighbours.map(
      ({ n, edge }) =>
        `${edge.quarter} ${edge.paymentLimit ?? 'N/A'}, ${n.quarter} ${n.paymentLimit ?? 'N/A'} (${n.dosage})`,
    );
    const keep =
      neighbours.length > 0 &&
      neighbours.every(({ n, edge }) => limitStill(n.paymentLimit, edge.paymentLimit));
    const x = xw.get(first.quarter) ?? '';
    findings.dosageConflicts.push({
      code: c.code,
      quarters,
      pricing: first.dosage,
      crosswalk: x,
      descriptor: describeUnit(desc),
      limits: limits.join('; ') || 'no quarter prints the descriptor unit',
      decision: keep
        ? `billed per ${x}: the limit did not move`
        : neighbours.length
          ? `pricing dosage kept: the limit moved`
          : 'pricing dosage kept: no quarter to compare the limit with',
    });
    if (keep)
      for (let k = i; k <= j; k++) used.set(list[k]?.quarter ?? '', xw.get(list[k]?.quarter ?? '') ?? '');
    i = j;
  }
  return used;
}

/** `n` when `ratio` is within a tenth of a decade of 10^n (n >= 1 or <= -1), else 0. */
function decades(ratio: number): number {
  const l = Math.log10(ratio);
  const n = Math.round(l);
  return n !== 0 && Math.abs(l - n) <= 0.1 ? n : 0;
}

/**
 * Limits about a power of ten away from both neighbouring loaded quarters (same unit in all three):
 * `[quarter, why]` for each.
 */
export function suspectPrices(
  c: RawCode,
  used: ReadonlyMap<string, string>,
  pricingQuarters: readonly string[],
  findings: Findings,
): [string, string][] {
  const by = new Map(c.pricing.map((p) => [p.quarter, p]));
  const out: [string, string][] = [];
  for (let i = 1; i + 1 < pricingQuarters.length; i++) {
    const [qa, q, qb] = [pricingQuarters[i - 1], pricingQuarters[i], pricingQuarters[i + 1]] as [
      string,
      string,
      string,
    ];
    const [a, p, b] = [by.get(qa), by.get(q), by.get(qb)];
    if (!a || !p || !b || a.paymentLimit === null || p.paymentLimit === null || b.paymentLimit === null)
      continue;
    const unit = parseBillingUnit(used.get(q) ?? p.dosage);
    if (!sameUnit(unit, parseBillingUnit(used.get(qa) ?? a.dosage))) continue;
    if (!sameUnit(unit, parseBillingUnit(used.get(qb) ?? b.dosage))) continue;
    const n = decades(p.paymentLimit / a.paymentLimit);
    if (n === 0 || decades(p.paymentLimit / b.paymentLimit) !== n) continue;
    const factor = n > 0 ? `${10 ** n} times` : `1/${10 ** -n} of`;
    const why =
      `${q} limit ${p.paymentLimit} is about ${factor} ${qa} (${a.paymentLimit}) and ${qb} (${b.paymentLimit}) ` +
      `for the same unit (${used.get(q) ?? p.dosage}): likely a decimal slip in the CMS file; check CMS's correction before relying on it`;
    out.push([q, why]);
    findings.suspectPrices.push({ code: c.code, quarter: q, why });
  }
  return out;
}
