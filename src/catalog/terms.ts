/**
 * Drug names as words: the terms a drug family is known by (from CMS descriptors, crosswalk drug
 * names and the curated list) and matching them in the text an EHR sends (Medication.code.text, a
 * coding's display). A term matches whole words only ("trastuzumab" is not found inside
 * "trastuzumab-anns"), and a longer match hides the shorter ones inside it ("methylprednisolone
 * sodium succinate" hides "methylprednisolone"). Pure.
 */

/** Lower-case words: letters, digits and inner hyphens ("solu-medrol", "trastuzumab-anns"). */
export function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .match(/[a-z0-9]+(?:-[a-z0-9]+)*/g) ?? []
  );
}

/** A term as the words it is made of, joined by single spaces. */
export function termOf(text: string): string {
  return words(text).join(' ');
}

/**
 * Salt, ester and formulation words: what precedes the first of them is the molecule, which names
 * every salt of it (methylprednisolone for the sodium succinate and the acetate).
 */
const SALT_WORDS = new Set([
  'sodium',
  'disodium',
  'potassium',
  'calcium',
  'magnesium',
  'hydrochloride',
  'dihydrochloride',
  'hcl',
  'sulfate',
  'phosphate',
  'acetate',
  'succinate',
  'succ',
  'sod',
  'citrate',
  'tartrate',
  'bitartrate',
  'mesylate',
  'maleate',
  'fumarate',
  'bromide',
  'chloride',
  'lactate',
  'gluconate',
  'besylate',
  'tosylate',
  'tromethamine',
  'dipropionate',
  'propionate',
  'valerate',
  'cypionate',
  'enanthate',
  'decanoate',
  'palmitate',
  'pamoate',
  'hyclate',
  'lactobionate',
  'liposomal',
  'liposome',
  'hydrobromide',
  'mesilate',
  'trihydrate',
  'anhydrous',
]);

/** Words that are never a drug's name by themselves. */
const NOT_A_NAME = new Set([
  'injection',
  'infusion',
  'solution',
  'suspension',
  'powder',
  'vial',
  'kit',
  'human',
  'oral',
  'sterile',
  'water',
  'drug',
  'each',
  'dose',
  'implant',
  'not',
  'otherwise',
  'specified',
  'nos',
  'recombinant',
  'porcine',
  'bovine',
  'equine',
  'ovine',
  'most',
  'preservative',
  'free',
  'concentrate',
  'biosimilar',
]);

function usable(term: string): boolean {
  const w = term.split(' ');
  if (term.length < 4 || w.every((x) => /^\d/.test(x))) return false;
  return !(w.length === 1 && NOT_A_NAME.has(term));
}

/** The molecule: the words before the first salt word, when there are any. */
export function baseOf(term: string): string | undefined {
  const w = term.split(' ');
  const at = w.findIndex((x) => SALT_WORDS.has(x));
  return at > 0 ? w.slice(0, at).join(' ') : undefined;
}

/** A name and its molecule, as terms (for a crosswalk drug name or a curated synonym). */
export function termsOfName(name: string): string[] {
  const out = new Set<string>();
  const add = (t: string | undefined) => {
    if (t && usable(t)) out.add(t);
  };
  // "Trastuzumab-anns (Kanjinti)": the outer name and the bracketed one are each a name; a
  // bracketed use ("(for ESRD on dialysis)") is not.
  const inner = [...name.matchAll(/\(([^)]*)\)/g)]
    .map((m) => m[1] ?? '')
    .filter((x) => !/^\s*(?:for|non)\b|\buse\b/i.test(x));
  const outer = name.replace(/\([^)]*\)/g, ' ');
  for (const part of [outer, ...inner]) {
    const t = termOf(part);
    add(t);
    add(baseOf(t));
  }
  return [...out];
}

export interface TermIndex {
  /** Families named by the longest terms found in the text; several when it is ambiguous. */
  find(text: string): readonly string[];
}

/** Builds the index: term -> families (a term shared by two families names both). */
export function buildTermIndex(termFamilies: ReadonlyMap<string, readonly string[]>): TermIndex {
  // First word -> terms starting with it, longest first.
  const byFirst = new Map<string, { words: string[]; families: readonly string[] }[]>();
  for (const [term, families] of termFamilies) {
    const w = term.split(' ');
    const first = w[0] ?? '';
    const list = byFirst.get(first) ?? [];
    list.push({ words: w, families });
    byFirst.set(first, list);
  }
  for (const list of byFirst.values()) list.sort((a, b) => b.words.length - a.words.length);
  return {
    find(text) {
      const w = words(text);
      const matches: { start: number; end: number; families: readonly string[] }[] = [];
      for (let i = 0; i < w.length; i++) {
        for (const t of byFirst.get(w[i] ?? '') ?? []) {
          if (t.words.every((x, k) => w[i + k] === x)) {
            matches.push({ start: i, end: i + t.words.length, families: t.families });
            break; // longest first: the rest starting here are inside this one
          }
        }
      }
      const out = new Set<string>();
      for (const m of matches) {
        const hidden = matches.some(
          (o) => o !== m && o.start <= m.start && o.end >= m.end && o.end - o.start > m.end - m.start,
        );
        if (!hidden) for (const f of m.families) out.add(f);
      }
      return [...out].sort();
    },
  };
}
