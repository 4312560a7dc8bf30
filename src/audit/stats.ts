/**
 * What the audit read. When the input is split into shards (`--partition k/n`), every shard
 * reads every line, so `files`, `bytes` and `lines` are the same in each shard, while each
 * resource, and each broken line, is counted by exactly one shard: shards' statistics add up to
 * those of one run over the whole input.
 */
export interface InputStats {
  /** Input files read (NDJSON sources), the same in every shard. */
  files: number;
  bytes: number;
  /** Non-empty lines read, the same in every shard. */
  lines: number;
  /** MedicationAdministrations of this shard's encounters (or of its patients, when unlinked). */
  administrations: number;
  chargeItems: number;
  claims: number;
  /** Administrations pointing at an Encounter that is not in the input: not audited. */
  administrationsWithoutEncounter: number;
  /** Input lines that could not be read (each named on stderr as `file:line: reason`). */
  brokenLines: number;
  /** `file:line: reason` of the first broken lines. */
  brokenLineSamples: string[];
}

export const BROKEN_LINE_SAMPLES = 20;

export function emptyStats(): InputStats {
  return {
    files: 0,
    bytes: 0,
    lines: 0,
    administrations: 0,
    chargeItems: 0,
    claims: 0,
    administrationsWithoutEncounter: 0,
    brokenLines: 0,
    brokenLineSamples: [],
  };
}

const ADDITIVE = [
  'administrations',
  'chargeItems',
  'claims',
  'administrationsWithoutEncounter',
  'brokenLines',
] as const;

/** Adds the per-shard counts of `from` into `into`; the shared ones are kept as they are. */
export function addStats(into: InputStats, from: Readonly<InputStats>): void {
  for (const k of ADDITIVE) into[k] += from[k];
  for (const s of from.brokenLineSamples) addBrokenLineSample(into, s);
}

/** `file:line` order: a file name, then the line number as a number. */
function compareSamples(a: string, b: string): number {
  const pa = /^(.*):(\d+): /.exec(a);
  const pb = /^(.*):(\d+): /.exec(b);
  const fa = pa?.[1] ?? a;
  const fb = pb?.[1] ?? b;
  if (fa !== fb) return fa < fb ? -1 : 1;
  return Number(pa?.[2] ?? 0) - Number(pb?.[2] ?? 0) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Keeps the first broken lines in file and line order (whatever order workers found them in),
 * so that a run and its shards merged name the same ones.
 */
export function addBrokenLineSample(into: InputStats, sample: string): void {
  const list = into.brokenLineSamples;
  if (list.includes(sample)) return;
  if (list.length >= BROKEN_LINE_SAMPLES && compareSamples(sample, list.at(-1) as string) >= 0) return;
  let i = list.findIndex((s) => compareSamples(sample, s) < 0);
  if (i < 0) i = list.length;
  list.splice(i, 0, sample);
  if (list.length > BROKEN_LINE_SAMPLES) list.pop();
}
