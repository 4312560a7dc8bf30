/** Revenue at risk when a gap blocks an administration's own units (diagnosis, NDC). */
import type { DrugCatalog } from '../../catalog/catalog.ts';
import { paymentFor } from '../../domain/money.ts';
import type { BillingLine, Money } from '../../domain/types.ts';
import type { Fact } from '../facts.ts';
import { toMeasure } from '../quantity.ts';
import { administeredUnits } from '../units.ts';

/** The code billed for each administration (`MedicationAdministration/<id>` -> code). */
export function codeByAdministration(lines: readonly BillingLine[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of lines) for (const r of l.sourceAdministrations) if (!m.has(r)) m.set(r, l.code);
  return m;
}

/** The payment for the administration's own units of its code, when priced. */
export function administrationRisk(
  f: Fact,
  codes: ReadonlyMap<string, string>,
  catalog: DrugCatalog,
): Money | undefined {
  const codeValue = codes.get(f.ref);
  const code = codeValue ? catalog.codes.get(codeValue) : undefined;
  const price = code ? catalog.priceOn(code.code, f.dos) : undefined;
  if (!code || !price) return undefined;
  const v = toMeasure(f.given, code.unit.measure, f.mgPerMl);
  return v === undefined ? undefined : paymentFor(administeredUnits(v, code.unit.amount), price.paymentLimit);
}
