/**
 * Drug families for code choice (docs/catalog.md "Drug families"): HCPCS codes whose long
 * descriptors differ only in the amount billed are one family ("Injection, methylprednisolone
 * acetate, 20 mg" / "40 mg" / "80 mg" / "1 mg"). The engine bills a dose with the family's codes
 * valid on the date of service. A biosimilar's descriptor names its own suffix and says
 * "biosimilar", its reference product's says "excludes biosimilar": they never share a family.
 * Pure.
 */
import { termOf, termsOfName, words } from './terms.ts';

const MEASURE = String.raw`(?:mg|mgs|mcg|micrograms?|milligrams?|gm|g|grams?|ml|cc|milliliters?|units?|i\.u\.|iu|usp units?|international units?|meq|million units)`;
const AMOUNT = String.raw`\d[\d,]*(?:\.\d+)?|\.\d+`;
/** ", up to 125 mg", "per 250 mg", "10 mg", "(250 i.u.)". */
const AMOUNT_PHRASE = new RegExp(
  String.raw`\(\s*(?:${AMOUNT})\s*${MEASURE}\s*\)|(?:\b(?:up to|per|each)\s+)?(?:${AMOUNT})\s*${MEASURE}(?![a-z])`,
  'g',
);

/** The descriptor without its amount: codes with the same stem are one family. */
export function stemOf(descriptor: string): string {
  return descriptor
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(AMOUNT_PHRASE, ' ')
    .replace(/\s+/g, ' ')
    .replace(/\s*,(\s*,)+/g, ',')
    .replace(/\s+,/g, ',')
    .replace(/[\s,;]+$/g, '')
    .replace(/^[\s,]+/, '')
    .trim();
}

const ROUTE_LEAD = /^(?:injection|infusion)s?\s*,?\s*/;

/** The route word a stem starts with ("injection", "infusion"), or "" when it names none. */
export function routeLead(stem: string): string {
  return /^(injection|infusion)s?\b/.exec(stem)?.[1] ?? '';
}

/** What the family is called in messages: the stem without "Injection,". */
export function familyName(stem: string): string {
  return stem.replace(ROUTE_LEAD, '').trim() || stem;
}

/** A stable key: the name's words joined by hyphens (`methylprednisolone-sodium-succinate`). */
export function familyKey(stem: string): string {
  // "Amnicore pro" and "Amnicore pro+" are two products.
  return words(familyName(stem).replace(/\+/g, ' plus ')).join('-').slice(0, 120) || 'unnamed';
}

/** The key of a code that has no long descriptor (CPT codes: their descriptors are AMA's). */
export function singletonKey(code: string, shortDescription: string): string {
  return [code.toLowerCase(), ...words(shortDescription)].join('-').slice(0, 120);
}

/** A bracketed use ("for ESRD on dialysis", "non-ESRD use"), not a brand. */
const NOT_A_BRAND = /^(?:for|non)\b|\buse\b/i;

/**
 * Terms a family's descriptor gives: its drug segment (the first part after "Injection,") and the
 * bracketed brand, each with its molecule ("methylprednisolone" for the sodium succinate).
 */
export function descriptorTerms(stem: string): string[] {
  const segments = familyName(stem)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && !/^(?:injections?|infusions?)$/.test(s));
  const drug = segments[0];
  if (!drug) return [];
  // CMS names the labeler of a labeler-specific code in brackets: "pemetrexed (hospira), not
  // therapeutically equivalent to j9305". A labeler names no drug.
  const labelerSpecific = /not therapeutically equivalent/.test(stem);
  const out = new Set(termsOfName(labelerSpecific ? drug.replace(/\([^)]*\)/g, ' ') : drug));
  // A brand in brackets in a later segment: "trastuzumab-dkst, biosimilar, (ogivri)".
  for (const s of segments.slice(1)) {
    const m = /^\(([^)]+)\)$/.exec(s);
    if (m?.[1] && !NOT_A_BRAND.test(m[1]) && !labelerSpecific) for (const t of termsOfName(m[1])) out.add(t);
  }
  return [...out].filter((t) => t !== termOf('biosimilar'));
}

/** True for a descriptor of a biosimilar product (not the reference product's "excludes biosimilar"). */
export function isBiosimilar(descriptor: string): boolean {
  const d = descriptor.toLowerCase();
  return /\bbiosimilar\b/.test(d) && !/\b(?:excludes|non-?)\s*biosimilar/.test(d);
}
