/** A claim line: code, modifiers, units, date, NDC detail and price (CMS payment limit). */
import type { HcpcsCode, Price, Product } from '../../catalog/types.ts';
import { money } from '../../domain/money.ts';
import type { BillingLine, Modifier, NdcDetail } from '../../domain/types.ts';
import { toMeasure } from '../quantity.ts';

export function line(
  code: string,
  modifiers: Modifier[],
  units: number,
  dateOfService: string,
  ndc: NdcDetail | undefined,
  price: Pick<Price, 'paymentLimit' | 'illustrative'> | undefined,
  refs: readonly string[],
  diagnosisCodes: readonly string[],
): BillingLine {
  // Member by member, in this order, the optional ones only when set (no conditional spreads:
  // one line per administration and day).
  const l = {
    key: `${code}|${modifiers.join('+')}|${dateOfService}|${ndc?.ndc ?? ''}`,
    code,
    modifiers,
    units,
    dateOfService,
  } as unknown as { -readonly [K in keyof BillingLine]: BillingLine[K] };
  if (ndc) l.ndc = ndc;
  if (price) {
    l.unitPrice = money(price.paymentLimit);
    l.net = money(price.paymentLimit * units);
    if (price.illustrative) l.priceIllustrative = true;
  }
  l.sourceAdministrations = refs.length === 1 ? [refs[0] as string] : [...new Set(refs)];
  if (diagnosisCodes.length) l.diagnosisCodes = [...diagnosisCodes];
  return l;
}

/**
 * NDC quantity (837 loop 2410 CTP04/CTP05): mL for solutions, else the number of containers
 * (UN), else mg (ME); for a code billed in units, mL or else the units of drug (F2). The NDC
 * quantity is not the HCPCS units. `mgPerMl` is the package's strength: mg per mL, or units per
 * mL for a code billed in units.
 */
export function ndcDetail(
  ndc: string | undefined,
  amountInMeasure: number,
  code: HcpcsCode,
  product: Product | undefined,
  mgPerMl: number | undefined,
): NdcDetail | undefined {
  if (!ndc) return undefined;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  // A code billed per mL (J1460 per 1 cc, J7030 per 1000 cc) of a product without a mass
  // strength: the amount is already mL of the product.
  if (code.unit.measure === 'mL' && !mgPerMl) return { ndc, quantity: round(amountInMeasure), unit: 'ML' };
  // A code billed in units (J0885 per 1000 units): mL of the package through its units per mL,
  // else the units of drug themselves (F2), never a count of containers (UN). A code billed per
  // vial (`per`, one "unit" a vial) counts the vials (UN).
  if (code.unit.measure === 'unit' && !code.per) {
    return mgPerMl
      ? { ndc, quantity: round(amountInMeasure / mgPerMl), unit: 'ML' }
      : { ndc, quantity: round(amountInMeasure), unit: 'F2' };
  }
  const mass =
    code.unit.measure === 'unit' ? undefined : toMeasure({ kind: 'mass', mg: 1 }, code.unit.measure, mgPerMl);
  const mg = mass ? amountInMeasure / mass : undefined;
  if (mg !== undefined && mgPerMl) return { ndc, quantity: round(mg / mgPerMl), unit: 'ML' };
  if (mg !== undefined && product?.amount?.measure === 'mg')
    return { ndc, quantity: round(mg / product.amount.value), unit: 'UN' };
  if (mg !== undefined) return { ndc, quantity: round(mg), unit: 'ME' };
  return { ndc, quantity: round(amountInMeasure), unit: 'UN' };
}
