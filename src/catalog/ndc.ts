/**
 * NDC normalisation to the 11-digit 5-4-2 form billed on claims (BILLING.md section 4):
 * 4-4-2 gets a leading 0, 5-3-2 a 0 in position 6, 5-4-1 a 0 in position 10.
 */
export class NdcFormatError extends Error {
  readonly code = 'ndc-malformed';
}

const HYPHENATED = /^(\d{4,5})-(\d{3,4})-(\d{1,2})$/;

/** Returns the 11-digit NDC, or undefined when the text is not a valid NDC. */
export function normalizeNdc(input: string): string | undefined {
  const text = input.trim();
  const m = HYPHENATED.exec(text);
  if (m) {
    const [, labeler = '', product = '', pkg = ''] = m;
    const shape = `${labeler.length}-${product.length}-${pkg.length}`;
    switch (shape) {
      case '5-4-2':
        return labeler + product + pkg;
      case '4-4-2':
        return '0' + labeler + product + pkg;
      case '5-3-2':
        return labeler + '0' + product + pkg;
      case '5-4-1':
        return labeler + product + '0' + pkg;
      default:
        return undefined;
    }
  }
  // Unhyphenated: 11 digits is already 5-4-2; 10 digits has no segment boundaries and is ambiguous.
  if (/^\d{11}$/.test(text)) return text;
  return undefined;
}

/** Like normalizeNdc, but throws a NdcFormatError naming the value. */
export function requireNdc(input: string): string {
  const ndc = normalizeNdc(input);
  if (!ndc)
    throw new NdcFormatError(
      `not a valid NDC: "${input}" (expected 5-4-2, 4-4-2, 5-3-2, 5-4-1 or 11 digits)`,
    );
  return ndc;
}

/** 5-4-2 hyphenated display form of an 11-digit NDC. */
export function formatNdc(ndc11: string): string {
  return `${ndc11.slice(0, 5)}-${ndc11.slice(5, 9)}-${ndc11.slice(9)}`;
}

/**
 * Candidate 11-digit NDCs for an unhyphenated 10-digit code: each of the three 10-digit
 * layouts gives one. Look-ups try them against the catalog; more than one hit is ambiguous.
 */
export function candidatesFor10Digit(input: string): string[] {
  const t = input.trim();
  if (!/^\d{10}$/.test(t)) return [];
  return ['0' + t, t.slice(0, 5) + '0' + t.slice(5), t.slice(0, 9) + '0' + t.slice(9)];
}
