/**
 * How the audit splits its input: every patient's data (and so every encounter, which goes with
 * its patient) belongs to one of 65,536 logical partitions, by a stable hash of the patient
 * reference (the Encounter's `subject`). A shard `k/n` (`--partition k/n`, or a Kubernetes Indexed
 * Job's `JOB_COMPLETION_INDEX` / `JOB_COMPLETIONS`) audits the contiguous block of partitions
 * `[k * 65536 / n, (k + 1) * 65536 / n)`. Runs write their encounters in partition order, so the
 * reports of shards 0..n-1, one after the other, are the report of the whole run.
 *
 * The hash is part of the report format (`PARTITION_SCHEME`): shards of different schemes must not
 * be merged.
 */
export const LOGICAL_PARTITIONS = 1 << 16;
export const PARTITION_SCHEME = 'patient-fnv1a-murmur3-16';

/** FNV-1a over UTF-16 code units, 32 bits. */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's finaliser: spreads FNV's low-entropy high bits. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The logical partition (0..65535) of a key: a patient reference, or another resource's own. */
export function logicalPartition(key: string): number {
  return mix32(fnv1a(key)) >>> 16;
}

export interface Shard {
  /** 0-based, as Kubernetes numbers an Indexed Job's completions. */
  readonly index: number;
  readonly count: number;
}

export const WHOLE: Shard = { index: 0, count: 1 };

/** The logical partitions `[lo, hi)` of a shard. */
export function shardRange(s: Shard): { lo: number; hi: number } {
  return {
    lo: Math.floor((s.index * LOGICAL_PARTITIONS) / s.count),
    hi: Math.floor(((s.index + 1) * LOGICAL_PARTITIONS) / s.count),
  };
}

/** The shard a logical partition belongs to. */
export function shardOf(partition: number, count: number): number {
  // The inverse of shardRange: the largest k with floor(k * P / n) <= partition.
  let k = Math.floor(((partition + 1) * count) / LOGICAL_PARTITIONS);
  while (k > 0 && Math.floor((k * LOGICAL_PARTITIONS) / count) > partition) k--;
  while (k + 1 < count && Math.floor(((k + 1) * LOGICAL_PARTITIONS) / count) <= partition) k++;
  return k;
}

export const MAX_SHARDS = 4096;

/** `k/n` (0 <= k < n), e.g. `0/3`; a message saying what is wrong otherwise. */
export function parseShard(value: string): Shard | string {
  const m = /^(\d{1,5})\/(\d{1,5})$/.exec(value.trim());
  if (!m) return 'expected k/n, e.g. 0/3 for the first of three shards';
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) return `n must be from 1 to ${MAX_SHARDS}`;
  if (index >= count) return `k counts from 0: ${value} is not one of 0/${count} .. ${count - 1}/${count}`;
  return { index, count };
}

/**
 * The shard from the command line, else from a Kubernetes Indexed Job: Kubernetes sets
 * `JOB_COMPLETION_INDEX` in each pod; `JOB_COMPLETIONS` is set in the Job's pod template to the
 * same number as `spec.completions` (Kubernetes does not set it).
 */
export function shardFrom(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Shard | string {
  if (option !== undefined) {
    const s = parseShard(option);
    return typeof s === 'string' ? `--partition ${option}: ${s}` : s;
  }
  const index = env.JOB_COMPLETION_INDEX;
  const count = env.JOB_COMPLETIONS;
  if (index === undefined && count === undefined) return WHOLE;
  if (index === undefined || count === undefined)
    return "JOB_COMPLETION_INDEX and JOB_COMPLETIONS go together: set JOB_COMPLETIONS to the Job's spec.completions";
  const s = parseShard(`${index}/${count}`);
  return typeof s === 'string' ? `JOB_COMPLETION_INDEX=${index} JOB_COMPLETIONS=${count}: ${s}` : s;
}
