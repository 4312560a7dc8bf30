/** What a build noticed that a reader of the build report should know (docs/catalog.md). */

export interface Findings {
  /** Codes whose dosage could not be parsed: they cannot be billed by amount. */
  readonly unparsed: { code: string; dosage: string; why: string }[];
  /** Codes billed per item or in a measure no dose converts into. */
  readonly notByAmount: { code: string; dosage: string; unit: string }[];
  readonly unitChanges: { code: string; quarter: string; from: string; to: string }[];
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
