/**
 * Where each amount the UI shows comes from, in words a person reads on a phone: which CMS
 * quarter's payment limit priced it, and whether it is an estimate, a limit the catalog flags as
 * suspect, an earlier quarter's limit standing in for a quarter not loaded, the hospital's charge,
 * or an illustrative price (docs/ui.md "Money and its basis"). Pure.
 *
 * A line's limit is the one the engine uses (`DrugCatalog.priceOn` for its code and date of
 * service, docs/catalog.md "Look-ups"). A Claim's own basis is its `meta.tag` of the price-basis
 * CodeSystem (fhir-profiles/input/fsh/price-basis.fsh): `chargemaster` when its charges are the
 * hospital's gross charges, `payment-limit-estimate` when at least one is a CMS limit standing in.
 */
import type { Claim } from '@medplum/fhirtypes';
import { quarterOf } from '../catalog/catalog.ts';
import { PRICE_BASIS_SYSTEM, priceBasisOf, type PriceBasis as CodecPriceBasis } from '../fhir/codec/index.ts';
import type { Price } from '../catalog/types.ts';
import type { PriceBasis, PriceSource } from './contract.ts';

export { PRICE_BASIS_SYSTEM };
export type PriceBasisCode = CodecPriceBasis;

/** What the UI needs of the catalog's prices (mount.ts builds it from the DrugCatalog). */
export interface PriceInfo {
  /** True when the price used for the code on that date of service is illustrative. */
  illustrative(code: string, dateOfService: string): boolean;
  /** True when any loaded price is illustrative. */
  readonly anyIllustrative: boolean;
  /** The payment limit the engine uses for the code on the date (catalog `priceOn`). */
  priceOn?(code: string, dateOfService: string): Price | undefined;
  /** The latest quarter of loaded payment limits (`2026Q1`). */
  readonly lastQuarter?: string;
}

/** The price-basis codes a Claim (or DetectedIssue) carries in `meta.tag`, read by the codec. */
export function priceBasisTags(resource: Pick<Claim, 'meta'> | undefined): Set<PriceBasisCode> {
  return new Set(priceBasisOf(resource));
}

/** An amount that is not there (no price for the code and quarter): no basis to say. */
export const NO_BASIS: PriceBasis = {
  sources: [],
  quarters: [],
  earlierFor: [],
  suspect: [],
  estimate: false,
  illustrative: false,
  label: '',
  flags: [],
};

interface Parts {
  readonly sources: readonly PriceSource[];
  readonly quarters: readonly string[];
  readonly earlierFor: readonly string[];
  readonly suspect: readonly string[];
}

const uniqSorted = <T extends string>(xs: Iterable<T>): T[] => [...new Set(xs)].sort();

function quartersText(quarters: readonly string[]): string {
  if (quarters.length <= 2) return quarters.join(' and ');
  return `${quarters[0] ?? ''} to ${quarters.at(-1) ?? ''} (${quarters.length} quarters)`;
}

/** The words shown with an amount: label first, then each flag. */
function finish(p: Parts): PriceBasis {
  const sources = uniqSorted(p.sources);
  const quarters = uniqSorted(p.quarters);
  const earlierFor = uniqSorted(p.earlierFor);
  const suspect = uniqSorted(p.suspect);
  const illustrative = sources.includes('illustrative');
  const limit = sources.includes('payment-limit');
  const charge = sources.includes('chargemaster');
  const parts: string[] = [];
  if (illustrative) parts.push('ILLUSTRATIVE demo prices, not real money');
  if (limit && quarters.length)
    parts.push(
      `CMS ${quartersText(quarters)} payment limit${quarters.length > 1 ? 's' : ''}${
        earlierFor.length ? ` for ${quartersText(earlierFor)} dates` : ''
      }`,
    );
  else if (limit) parts.push('CMS payment limits');
  if (charge) parts.push('hospital charges (chargemaster)');
  const flags: string[] = [];
  if (limit) flags.push('estimate');
  if (earlierFor.length) flags.push('earlier quarter');
  if (suspect.length) flags.push(`suspect limit: ${suspect.join(', ')}`);
  if (illustrative) flags.push('illustrative');
  return {
    sources,
    quarters,
    earlierFor,
    suspect,
    estimate: limit,
    illustrative,
    label: parts.join(' + '),
    flags,
  };
}

/** The basis of an amount priced with a CMS payment limit (`price` from `priceOn` for `code`). */
export function limitBasis(price: Price, code: string): PriceBasis {
  return finish({
    sources: price.illustrative ? ['illustrative'] : ['payment-limit'],
    quarters: price.illustrative ? [] : [price.quarter],
    earlierFor: price.forQuarter && !price.illustrative ? [price.forQuarter] : [],
    suspect: price.suspect ? [`${code} ${price.quarter}`] : [],
  });
}

/**
 * The basis of a payment-limit amount known only by its date of service (a gap's revenue at
 * risk whose code the UI cannot tell): the date's quarter when loaded, else the latest loaded
 * quarter's limits stood in (catalog `priceOn`).
 */
export function quarterBasis(dateOfService: string | undefined, prices: PriceInfo): PriceBasis {
  // Illustrative prices are loaded: an amount whose code the UI cannot tell may rest on them.
  const sources: PriceSource[] = prices.anyIllustrative
    ? ['payment-limit', 'illustrative']
    : ['payment-limit'];
  const q = dateOfService ? quarterOf(dateOfService) : undefined;
  const last = prices.lastQuarter;
  if (!q || !last) return finish({ sources, quarters: [], earlierFor: [], suspect: [] });
  const later = q > last;
  return finish({ sources, quarters: [later ? last : q], earlierFor: later ? [q] : [], suspect: [] });
}

/**
 * The basis of a line's amount: the hospital's charge when the Claim says its charges are
 * chargemaster charges and this one is not the CMS limit, else the CMS limit of its code and
 * date of service.
 */
export function lineBasis(
  code: string | undefined,
  dateOfService: string | undefined,
  unitPrice: number | undefined,
  prices: PriceInfo,
  claimTags: ReadonlySet<PriceBasisCode> = new Set(),
): PriceBasis {
  if (unitPrice === undefined) return NO_BASIS;
  const price = code && dateOfService ? prices.priceOn?.(code, dateOfService) : undefined;
  // A Claim writes the limit rounded to the cent (docs/chargemaster.md "On the Claim").
  const isLimit = price !== undefined && Math.abs(price.paymentLimit - unitPrice) < 0.005 + 1e-9;
  if (
    claimTags.has('illustrative') ||
    price?.illustrative ||
    (!price && prices.illustrative(code ?? '', dateOfService ?? ''))
  )
    return finish({ sources: ['illustrative'], quarters: [], earlierFor: [], suspect: [] });
  if (claimTags.has('chargemaster') && !isLimit)
    return finish({ sources: ['chargemaster'], quarters: [], earlierFor: [], suspect: [] });
  if (price && code) return limitBasis(price, code);
  return quarterBasis(dateOfService, prices);
}

/** One basis for a sum of amounts (a total, a chart, a KPI). */
export function combineBasis(bases: Iterable<PriceBasis>): PriceBasis {
  const p = {
    sources: [] as PriceSource[],
    quarters: [] as string[],
    earlierFor: [] as string[],
    suspect: [] as string[],
  };
  let any = false;
  for (const b of bases) {
    if (!b.sources.length) continue;
    any = true;
    p.sources.push(...b.sources);
    p.quarters.push(...b.quarters);
    p.earlierFor.push(...b.earlierFor);
    p.suspect.push(...b.suspect);
  }
  return any ? finish(p) : NO_BASIS;
}

const HCPCS_IN_TEXT = /\b[A-Z]\d{4}\b/g;

/**
 * Codes a gap's revenue at risk may be priced with, best first: the code its key names (gaps
 * about a code and day, `J1745:2026-11-17`), the code its sentence names last (the code the drug
 * bills as, after a wrongly posted one), then the codes of the charges it implicates.
 */
export function gapCodeHints(
  subjectKey: string | undefined,
  detail: string | undefined,
  chargeCodes: readonly (string | undefined)[],
): string[] {
  const key = /^([A-Z]\d{4})(?::|$)/.exec(subjectKey ?? '')?.[1];
  const inText = [...(detail ?? '').matchAll(HCPCS_IN_TEXT)].map((m) => m[0]).reverse();
  return [...new Set([key, ...inText, ...chargeCodes].filter((c): c is string => !!c))];
}

/**
 * The basis of a gap's revenue at risk. The engine values it at the CMS payment limit of the
 * code for the date of service (rules/checks/risk.ts, rules/lines/index.ts, checks/charges.ts);
 * the gap does not store the code, so the first hint with a limit on that date names it (and
 * whether the limit is suspect). Without one, the quarter still follows from the date: a gap
 * with a value was priced in its date's quarter, or, after the last loaded one, in that one.
 * The DetectedIssue's own price-basis tags win where they say more (illustrative, chargemaster).
 */
export function atRiskBasis(
  dateOfService: string | undefined,
  codeHints: readonly string[],
  prices: PriceInfo,
  tags: ReadonlySet<PriceBasisCode> = new Set(),
): PriceBasis {
  if (tags.has('illustrative'))
    return finish({ sources: ['illustrative'], quarters: [], earlierFor: [], suspect: [] });
  if (tags.has('chargemaster') && !tags.has('payment-limit-estimate'))
    return finish({ sources: ['chargemaster'], quarters: [], earlierFor: [], suspect: [] });
  let basis: PriceBasis | undefined;
  for (const code of codeHints) {
    const price = dateOfService ? prices.priceOn?.(code, dateOfService) : undefined;
    if (price) {
      basis = limitBasis(price, code);
      break;
    }
  }
  basis ??= quarterBasis(dateOfService, prices);
  // The engine found the limit suspect where the UI could not tell the code: say so all the same.
  if (tags.has('suspect') && !basis.suspect.length)
    return finish({ ...basis, suspect: basis.quarters.map((q) => `a ${q} limit`) });
  return basis;
}

/**
 * The `prices` cell of a CSV money row: `ILLUSTRATIVE` when the amount rests on demo prices
 * (`illustrative` forces it for a whole file), else the basis in words
 * (`CMS 2026Q1 payment limit for 2026Q4 dates; estimate; earlier quarter`).
 */
export function basisCsv(basis: PriceBasis | undefined, illustrative = false): string {
  if (illustrative || basis?.illustrative) return 'ILLUSTRATIVE';
  if (!basis?.sources.length) return '';
  return [basis.label, ...basis.flags].join('; ');
}
