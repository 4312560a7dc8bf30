/**
 * A FHIR Bulk Data client (Bulk Data Access IG, system-level `$export`): kick-off with
 * `Prefer: respond-async`, poll the `Content-Location` status URL honouring `Retry-After` and
 * showing `X-Progress`, download every NDJSON output file to disk (streamed), then tell the
 * server it may delete the files.
 *
 * The audit runs two exports (SPEC section 3 lists what it reads):
 * - the event types (administrations, charges, claims) with `_since` one day before the range:
 *   they are written after the care they document, so nothing in the range is older;
 * - the reference types without `_since`: a Coverage, a chronic Condition or a Medication last
 *   changed years ago still decides today's lines. `_typeFilter` narrows Observation to body
 *   weights and ClaimResponse to prior authorizations where the server supports it
 *   (`Prefer: handling=lenient` lets a server that does not ignore it).
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { retryAfterMs } from '../fhir/http-fetch.ts';
import { AUDIT_EXIT, AuditError } from './errors.ts';
import type { Progress } from './progress.ts';
import { addDays, type DateRange } from './range.ts';
import { BODY_WEIGHT_LOINC, SYSTEMS } from '../domain/vocabulary.ts';

export const EVENT_TYPES = ['MedicationAdministration', 'ChargeItem', 'Claim'] as const;
export const REFERENCE_TYPES = [
  'Encounter',
  'Condition',
  'Coverage',
  'Medication',
  'ClaimResponse',
  'Observation',
] as const;
export const REFERENCE_TYPE_FILTERS = [
  `Observation?code=${encodeURIComponent(`${SYSTEMS.loinc}|${BODY_WEIGHT_LOINC}`)}`,
  'ClaimResponse?use=preauthorization',
];

export interface ExportRequest {
  readonly types: readonly string[];
  readonly since?: string;
  readonly typeFilters?: readonly string[];
}

export interface ManifestOutput {
  readonly type: string;
  readonly url: string;
  readonly count?: number;
}

export interface ExportManifest {
  readonly transactionTime: string;
  readonly request: string;
  readonly requiresAccessToken: boolean;
  readonly output: readonly ManifestOutput[];
  readonly error?: readonly ManifestOutput[];
}

export interface BulkClientOptions {
  /** The FHIR base URL, or a full kick-off URL ending in `$export` (e.g. `Group/1/$export`). */
  readonly url: string;
  /** For kick-off and status requests (retries, timeout, bearer token). */
  readonly fetch: typeof fetch;
  /** For file downloads, with and without the token (`requiresAccessToken`). */
  readonly downloadFetch: (withToken: boolean) => typeof fetch;
  readonly progress: Progress;
  /** Give up polling after this long. */
  readonly maxWaitMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly warn: (line: string) => void;
}

/** Polling interval when the server sends no Retry-After. */
export function defaultPollMs(polls: number): number {
  return Math.min(30_000, 1_000 * 2 ** Math.max(0, polls - 1));
}
const MAX_POLL_MS = 5 * 60_000;

function failed(message: string): AuditError {
  return new AuditError(message, 'bulk-export-failed', AUDIT_EXIT.failed);
}

export function kickOffUrl(url: string, req: ExportRequest): string {
  const base = url.replace(/\/+$/, '');
  const target = /\$export$/.test(base) ? base : `${base}/$export`;
  const params = new URLSearchParams();
  params.set('_outputFormat', 'application/fhir+ndjson');
  params.set('_type', req.types.join(','));
  if (req.since) params.set('_since', req.since);
  if (req.typeFilters?.length) params.set('_typeFilter', req.typeFilters.join(','));
  return `${target}?${params.toString()}`;
}

/** The two exports the audit needs for a range. */
export function auditExports(range: DateRange): ExportRequest[] {
  return [
    { types: EVENT_TYPES, since: `${addDays(range.since, -1)}T00:00:00Z` },
    { types: REFERENCE_TYPES, typeFilters: REFERENCE_TYPE_FILTERS },
  ];
}

async function problem(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const outcome = JSON.parse(text) as { issue?: { diagnostics?: string; details?: { text?: string } }[] };
    const first = outcome.issue?.[0];
    const said = first?.details?.text ?? first?.diagnostics;
    if (said) return `${res.status} (${said.slice(0, 200)})`;
  } catch {
    // not an OperationOutcome
  }
  return String(res.status);
}

/** Kick-off, poll until complete; returns the manifest and the status URL. */
export async function runExport(
  opts: BulkClientOptions,
  req: ExportRequest,
): Promise<{ manifest: ExportManifest; statusUrl: string }> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const kick = await opts.fetch(kickOffUrl(opts.url, req), {
    headers: { Accept: 'application/fhir+json', Prefer: 'respond-async, handling=lenient' },
  });
  if (kick.status !== 202)
    throw failed(`the server refused the bulk export kick-off: ${await problem(kick)}`);
  await kick.body?.cancel();
  const location = kick.headers.get('content-location');
  if (!location) throw failed('the bulk export kick-off answered 202 without a Content-Location');
  const statusUrl = new URL(location, opts.url).href;

  opts.progress.phase('exporting', 1, 'export');
  const deadline = Date.now() + (opts.maxWaitMs ?? 2 * 3_600_000);
  let polls = 0;
  for (;;) {
    const res = await opts.fetch(statusUrl, { headers: { Accept: 'application/json' } });
    if (res.status === 200) {
      const manifest = (await res.json()) as ExportManifest;
      if (!Array.isArray(manifest.output)) throw failed('the bulk export manifest has no output list');
      opts.progress.update(1, 'complete');
      return { manifest, statusUrl };
    }
    if (res.status !== 202)
      throw failed(`the bulk export failed: status request answered ${await problem(res)}`);
    await res.body?.cancel();
    polls++;
    const said = res.headers.get('x-progress');
    opts.progress.update(0, said ? said.slice(0, 60) : `waiting (${polls})`);
    // Retry-After when the server gives one (capped), else 1 s doubling to 30 s.
    const wait = Math.min(MAX_POLL_MS, retryAfterMs(res.headers.get('retry-after')) ?? defaultPollMs(polls));
    if (Date.now() + wait > deadline) throw failed('the bulk export did not complete in time');
    await sleep(wait);
  }
}

/** Downloads every output file of a manifest into `dir`; returns the file paths. */
export async function downloadOutputs(
  opts: BulkClientOptions,
  manifest: ExportManifest,
  dir: string,
  prefix: string,
): Promise<string[]> {
  const fetchFile = opts.downloadFetch(manifest.requiresAccessToken === true);
  const files: string[] = [];
  opts.progress.phase('downloading', manifest.output.length, 'files');
  for (const [i, out] of manifest.output.entries()) {
    const type = /^[A-Z][A-Za-z]+$/.test(out.type) ? out.type : 'Resource';
    const file = join(dir, `${prefix}${String(i).padStart(3, '0')}.${type}.ndjson`);
    await downloadWithRetry(fetchFile, new URL(out.url, opts.url).href, file);
    files.push(file);
    opts.progress.update(i + 1, type);
  }
  for (const err of manifest.error ?? []) {
    const res = await fetchFile(new URL(err.url, opts.url).href, {
      headers: { Accept: 'application/fhir+ndjson' },
    });
    const text = res.ok ? await res.text() : '';
    const lines = text.split('\n').filter((l) => l.trim());
    if (lines.length) opts.warn(`the server reported ${lines.length} error(s) while exporting (${err.url})`);
  }
  return files;
}

async function downloadWithRetry(
  fetchFile: typeof fetch,
  url: string,
  file: string,
  attempts = 3,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetchFile(url, { headers: { Accept: 'application/fhir+ndjson' } });
      if (!res.ok || !res.body) throw failed(`downloading an export file answered ${res.status}`);
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(file));
      return;
    } catch (err) {
      // A connection cut mid-file: start the file again (the server keeps it until DELETE).
      if (attempt >= attempts || (err instanceof AuditError && !/answered 5\d\d/.test(err.message)))
        throw err;
    }
  }
}

/** Tells the server the files are no longer needed (best effort, as the IG allows). */
export async function deleteExport(opts: BulkClientOptions, statusUrl: string): Promise<void> {
  try {
    const res = await opts.fetch(statusUrl, { method: 'DELETE' });
    await res.body?.cancel();
  } catch {
    // The server expires the files on its own.
  }
}

/** Runs the audit's exports and downloads their files into `dir`. */
export async function exportForAudit(
  opts: BulkClientOptions,
  range: DateRange,
  dir: string,
): Promise<string[]> {
  const files: string[] = [];
  for (const [n, req] of auditExports(range).entries()) {
    const { manifest, statusUrl } = await runExport(opts, req);
    files.push(...(await downloadOutputs(opts, manifest, dir, `${n}-`)));
    await deleteExport(opts, statusUrl);
  }
  return files;
}
