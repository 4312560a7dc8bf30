/** What a build noticed that a reader of the build report should know (docs/catalog.md). */

export interface Findings {
  /** Codes whose dosage could not be parsed: they cannot be billed by amount. */
  readonly unparsed: { code: string; dosage: string; why: string }[];
  /** Codes billed per item or in a measure no dose converts into. */
  readonly notByAmount: { code: string; dosage: string; unit: string }[];
  readonly unitChanges: { code: string; quarter: string; from: string; to: string }[];
  /** Quarters whose pricing dosage disagrees with the crosswalk and the long descriptor. */
  readonly dosageConflicts: {
    code: string;
    quarters: string;
    pricing: string;
    crosswalk: string;
    descriptor: string;
    limits: string;
    decision: string;
  }[];
  /** Payment limits about a power of ten away from both neighbouring quarters. */
  readonly suspectPrices: { code: string; quarter: string; why: string }[];
  /** Codes no longer in the last files but with no Addendum B release to confirm they ended. */
  readonly openEnds: { code: string; what: string }[];
  /** Codes whose names agree once the amount is removed but that are kept in separate families. */
  readonly familiesApart: { family: string; groups: string[]; why: string }[];
  /** Per multi-code family: products offered a code the crosswalk does not list them under that quarter. */
  readonly byAmountOffers: {
    family: string;
    codes: string;
    products: number;
    listed: string;
    offered: string;
    quarters: string;
  }[];
  /** Codes without a long descriptor: their short description stands in. */
  readonly noLong: string[];
  readonly descriptorMismatch: { code: string; long: string; dosage: string }[];
  readonly noLimit: { code: string; quarter: string }[];
  /** Codes whose dates Addendum B extends beyond the quarters the pricing files list them. */
  readonly oppsDates: { code: string; what: string }[];
  readonly biosimilarSplit: { family: string; codes: string[] }[];
  /** Crosswalk rows whose code no pricing file lists, per code. */
  readonly unknownCodes: { code: string; ndcs: number; quarters: string[] }[];
  /** NDCs whose per-item amount could not be derived, with why. */
  readonly noAmount: { ndc: string; why: string }[];
  /** NDCs whose PKG SIZE was not taken as a volume although it is not 1. */
  readonly noVolume: { ndc: string; why: string }[];
  /** Two codes of one NDC in one quarter giving different amounts per item. */
  readonly amountConflicts: { ndc: string; quarter: string; amounts: string }[];
  /** Labeler+product codes whose packages hold different amounts per item (no 9-digit match). */
  readonly prefixConflicts: { prefix: string; ndcs: string[] }[];
}

export function emptyFindings(): Findings {
  return {
    unparsed: [],
    notByAmount: [],
    unitChanges: [],
    dosageConflicts: [],
    suspectPrices: [],
    openEnds: [],
    familiesApart: [],
    byAmountOffers: [],
    noLong: [],
    descriptorMismatch: [],
    noLimit: [],
    oppsDates: [],
    biosimilarSplit: [],
    unknownCodes: [],
    noAmount: [],
    noVolume: [],
    amountConflicts: [],
    prefixConflicts: [],
  };
}
