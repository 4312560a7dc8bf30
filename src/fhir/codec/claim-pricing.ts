/**
 * The charge on a draft Claim's line (docs/chargemaster.md, "On the Claim"): the hospital's gross
 * charge from CHARGEMASTER_FILE when it lists the drug, else the CMS payment limit standing in as
 * an estimate; and the price-basis tags that say which (fhir-profiles/input/fsh/price-basis.fsh).
 *
 * Rounding, one rule: the charge per HCPCS billing unit is rounded half up to the cent, and the
 * line's `net` is that unit price times the units, computed in whole cents, so `unitPrice` x
 * `quantity` = `net` exactly as written and the claim's `total` is the sum of the `net`s (837 CLM02
 * must equal the sum of SV203). A unit price under half a cent is not a charge: the line is left
 * unpriced. Revenue figures (JW captured, revenue at risk) are not computed here: they stay on
 * the payment limit, in the rules.
 */
import type { Meta } from '@medplum/fhirtypes';
import type { DrugCatalog } from '../../catalog/catalog.ts';
import type { Chargemaster } from '../../catalog/chargemaster.ts';
import type { BillingLine, Money } from '../../domain/types.ts';

export const PRICE_BASIS_SYSTEM = 'https://vialwise.dev/fhir/CodeSystem/price-basis';

/** Codes of the price-basis CodeSystem. */
export const PRICE_BASIS = [
  'chargemaster',
  'payment-limit-estimate',
  'earlier-quarter',
  'illustrative',
  'suspect',
] as const;
export type PriceBasis = (typeof PRICE_BASIS)[number];

const PRICE_BASIS_DISPLAY: Record<PriceBasis, string> = {
  chargemaster: 'Hospital gross charge',
  'payment-limit-estimate': 'Estimate: CMS payment limit',
  'earlier-quarter': 'Payment limit of an earlier quarter',
  illustrative: 'Illustrative prices',
  suspect: 'Suspect payment limit',
};

/** What prices a Claim: the catalog's payment limits and, when loaded, the hospital's chargemaster. */
export interface ClaimPricing {
  readonly catalog: Pick<DrugCatalog, 'priceOn' | 'codeOn' | 'productByNdc'>;
  readonly chargemaster?: Chargemaster;
}

export interface LinePrice {
  readonly unitPrice: Money;
  readonly net: Money;
  readonly tags: readonly PriceBasis[];
}

/** Cents of a dollar amount, half up, after clearing binary noise (0.265 is 26.5 cents, not 26.4999). */
export function centsOf(dollars: number): number {
  return Math.round(Math.round(dollars * 1e6) / 1e4);
}

/** A line's charge from a unit price in dollars: undefined when it is under half a cent. */
export function lineMoney(unitDollars: number, units: number): { unitPrice: Money; net: Money } | undefined {
  const unit = centsOf(unitDollars);
  if (!(unit > 0) || !Number.isInteger(units) || units < 1) return undefined;
  return {
    unitPrice: { value: unit / 100, currency: 'USD' },
    net: { value: (unit * units) / 100, currency: 'USD' },
  };
}

/** The hospital's gross charge per billing unit of the line, when the chargemaster prices it. */
function grossCharge(
  line: BillingLine,
  setting: 'inpatient' | 'outpatient',
  pricing: ClaimPricing,
): number | undefined {
  const cdm = pricing.chargemaster;
  const unit = pricing.catalog.codeOn(line.code, line.dateOfService)?.unit;
  if (!cdm || !unit) return undefined;
  const product = line.ndc ? pricing.catalog.productByNdc(line.ndc.ndc) : undefined;
  const found = cdm.chargeFor({
    hcpcs: line.code,
    ...(line.ndc ? { ndc: line.ndc.ndc } : {}),
    setting,
    modifiers: line.modifiers,
    billingUnit: unit,
    ...(product?.amount
      ? {
          product: {
            amount: product.amount,
            ...(product.volumeMl !== undefined ? { volumeMl: product.volumeMl } : {}),
          },
        }
      : {}),
  });
  return found.found ? found.unitPrice : undefined;
}

/**
 * The line's charge. `chargeSetting` is the chargemaster setting that applies to the claim, or
 * undefined when the hospital's chargemaster does not price it (a physician office's claim).
 * Without `pricing` (an evaluation priced elsewhere) the line's own payment limit is used.
 */
export function priceLine(
  line: BillingLine,
  chargeSetting: 'inpatient' | 'outpatient' | undefined,
  pricing: ClaimPricing | undefined,
): LinePrice | undefined {
  if (pricing && chargeSetting) {
    const gross = grossCharge(line, chargeSetting, pricing);
    const money = gross === undefined ? undefined : lineMoney(gross, line.units);
    if (money) return { ...money, tags: ['chargemaster'] };
  }
  const limit = pricing?.catalog.priceOn(line.code, line.dateOfService);
  if (pricing && !limit) return undefined;
  const unitDollars = limit ? limit.paymentLimit : line.unitPrice?.value;
  if (unitDollars === undefined) return undefined;
  const money = lineMoney(unitDollars, line.units);
  if (!money) return undefined;
  const tags: PriceBasis[] = ['payment-limit-estimate'];
  if (limit?.forQuarter) tags.push('earlier-quarter');
  if (limit ? limit.illustrative : line.priceIllustrative) tags.push('illustrative');
  if (limit?.suspect) tags.push('suspect');
  return { ...money, tags };
}

/** `meta.tag` of the price-basis codes, in the CodeSystem's order (deterministic writes). */
export function priceBasisMeta(tags: Iterable<PriceBasis>): Meta | undefined {
  const set = new Set(tags);
  const codes = PRICE_BASIS.filter((c) => set.has(c));
  return codes.length
    ? { tag: codes.map((code) => ({ system: PRICE_BASIS_SYSTEM, code, display: PRICE_BASIS_DISPLAY[code] })) }
    : undefined;
}

/** The price-basis codes a Claim or DetectedIssue carries in `meta.tag` (for the UI, the audit, dashboards). */
export function priceBasisOf(resource: { meta?: Meta } | undefined): PriceBasis[] {
  const tags = Array.isArray(resource?.meta?.tag) ? resource.meta.tag : [];
  const known = new Set<string>(PRICE_BASIS);
  return PRICE_BASIS.filter((c) =>
    tags.some((t) => t?.system === PRICE_BASIS_SYSTEM && t.code === c && known.has(c)),
  );
}
