/** The audit's options, checked before anything runs (exit code 2 when wrong: errors.ts). */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isLoopbackHost } from '../config.ts';
import type { RetryPolicy } from '../fhir/http-fetch.ts';
import { usageError } from './errors.ts';
import { parseCalendarDate, type DateRange } from './range.ts';
import { linesCsvPath } from './report/files.ts';
import { shardFrom, type Shard } from './shard.ts';

export interface AuditRunOptions {
  readonly since: string;
  readonly until: string;
  readonly fhirUrl?: string;
  readonly bulkUrl?: string;
  readonly ndjsonDir?: string;
  readonly html?: string;
  /** The per-encounter CSV; the line-level CSV goes beside it (`x.csv` -> `x.lines.csv`). */
  readonly csv?: string;
  readonly json?: string;
  /** Draft Claims and DetectedIssues on the FHIR server (`--fhir-url` only). */
  readonly write?: boolean;
  readonly priceFiles?: readonly string[];
  /** `k/n`: audit only shard k of n (else JOB_COMPLETION_INDEX / JOB_COMPLETIONS, else all). */
  readonly partition?: string;
  /** Worker threads (default: one per core). */
  readonly workers?: number;
  /** Bulk Data files downloaded at once. */
  readonly downloads?: number;
  /** Discard a checkpoint of an earlier, interrupted run and start over. */
  readonly restart?: boolean;
  /** Environment for the FHIR auth, catalog and payer-rules settings, and the Indexed Job's index. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Parent folder of the run's work folder (partitions, downloads, checkpoint). */
  readonly workDir?: string;
  /** Show a progress bar (only honoured on a terminal). */
  readonly progress?: boolean;
  readonly clock?: () => Date;
  readonly retry?: RetryPolicy;
  /** Sizes (tests make them tiny to exercise many ranges, files and groups). */
  readonly rangeBytes?: number;
  readonly fileBytes?: number;
  readonly groupBytes?: number;
  readonly maxLineBytes?: number;
  /** How often the audit pass saves its checkpoint (default 1 s; tests save after every file). */
  readonly checkpointMs?: number;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
}

export interface Checked {
  readonly range: DateRange;
  readonly shard: Shard;
  readonly workers: number;
}

function isFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

export function ndjsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(ndjson|jsonl)(\.gz)?$/.test(f))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

export function validate(opts: AuditRunOptions): Checked {
  const since = parseCalendarDate(opts.since);
  const until = parseCalendarDate(opts.until);
  if (!since) throw usageError(`--since: expected a calendar date YYYY-MM-DD, got "${opts.since}"`);
  if (!until) throw usageError(`--until: expected a calendar date YYYY-MM-DD, got "${opts.until}"`);
  if (since > until) throw usageError(`--since ${since} is after --until ${until}`);
  const sources = [opts.fhirUrl, opts.bulkUrl, opts.ndjsonDir].filter((s) => s !== undefined);
  if (sources.length !== 1)
    throw usageError('give exactly one source: --fhir-url URL, --bulk URL or --ndjson DIR');
  for (const [flag, url] of [
    ['--fhir-url', opts.fhirUrl],
    ['--bulk', opts.bulkUrl],
  ] as const) {
    if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(url))
      throw usageError(`${flag}: expected an http(s) URL, got "${url}"`);
    // The FHIR token and the patients' data go to this URL: in clear only on this machine, or
    // where the operator says the network encrypts it (the service's own rule, docs/security.md).
    const env = opts.env ?? process.env;
    if (url !== undefined && !['true', '1', 'yes'].includes(env.ALLOW_INSECURE_HTTP ?? '')) {
      const { protocol, hostname } = new URL(url);
      if (protocol === 'http:' && !isLoopbackHost(hostname))
        throw usageError(
          `${flag} must use https for ${hostname} (plain http sends patient data and the token in clear); set ALLOW_INSECURE_HTTP=true only where the network encrypts it`,
        );
    }
  }
  if (opts.write && !opts.fhirUrl)
    throw usageError('--write needs --fhir-url (Claims and DetectedIssues are written where the data lives)');
  if (opts.ndjsonDir !== undefined) {
    if (!isFolder(opts.ndjsonDir)) throw usageError(`--ndjson: ${opts.ndjsonDir} is not a folder`);
    if (ndjsonFiles(opts.ndjsonDir).length === 0)
      throw usageError(`--ndjson: no .ndjson files in ${opts.ndjsonDir}`);
  }
  const outputs = [opts.html, opts.csv, opts.csv ? linesCsvPath(opts.csv) : undefined, opts.json];
  for (const f of outputs) {
    if (f === undefined) continue;
    if (isFolder(f)) throw usageError(`${f} is a folder, not a file`);
    if (!isFolder(dirname(resolve(f))))
      throw usageError(`${f}: the folder ${dirname(resolve(f))} does not exist`);
  }
  const given = outputs.filter((f): f is string => f !== undefined).map((f) => resolve(f));
  if (new Set(given).size !== given.length) throw usageError('two reports would be written to the same file');
  if (opts.workDir !== undefined && !isFolder(opts.workDir))
    throw usageError(`--work-dir: ${opts.workDir} is not a folder`);
  const shard = shardFrom(opts.partition, opts.env ?? process.env);
  if (typeof shard === 'string') throw usageError(shard);
  const workers = opts.workers ?? Math.max(1, availableParallelism());
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw usageError(`--workers: expected a whole number from 1 to 64, got ${workers}`);
  return { range: { since, until }, shard, workers };
}

/** A URL as shown in reports: no user name, password, query or fragment. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`.replace(/\/+$/, '');
  } catch {
    return '(invalid URL)';
  }
}

/**
 * A fingerprint of the reference data (catalog files, price files, payer rules, facility
 * settings): shards audited with different data must not be merged, and a checkpoint is only
 * resumed with the same data.
 */
export function referenceFingerprint(
  files: readonly (string | undefined)[],
  ...settings: (string | undefined)[]
): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(settings));
  for (const f of files) {
    if (!f) continue;
    const paths = isFolder(f)
      ? readdirSync(f)
          .sort()
          .map((n) => join(f, n))
      : [f];
    for (const p of paths) {
      if (!existsSync(p) || isFolder(p)) continue;
      hash.update(p.slice(f.length));
      hash.update(readFileSync(p));
    }
  }
  return hash.digest('hex').slice(0, 16);
}
