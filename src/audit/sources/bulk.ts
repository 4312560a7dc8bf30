/**
 * A FHIR Bulk Data client (Bulk Data Access IG, system-level `$export`): kick-off with
 * `Prefer: respond-async`, poll the `Content-Location` status URL honouring `Retry-After` and
 * showing `X-Progress`, download the NDJSON output files to disk (streamed, several at once, up
 * to a bound), then tell the server it may delete the files.
 *
 * The access token goes only to the FHIR server's origin (scheme, host and port of the base
 * URL): a status URL on another origin is refused, a file on another origin is fetched without
 * it (and refused when the manifest says it needs it), and nothing is fetched over http when the
 * base is https. Redirects are followed by hand: the token goes along only while they stay on the
 * server's origin.
 *
 * Resumable: the status URL, the manifest and each completed file are recorded in
 * `export.json` in the work folder; a run started again polls the same export and downloads only
 * the files still missing.
 *
 * The audit runs two exports:
 * - the event types (administrations, charges, claims) with `_since` one day before the range:
 *   they are written after the care they document, so nothing in the range is older;
 * - the reference types without `_since`: a Coverage, a chronic Condition or a Medication last
 *   changed years ago still decides today's lines. `_typeFilter` narrows Observation to body
 *   weights and ClaimResponse to prior authorizations where the server supports it
 *   (`Prefer: handling=lenient` lets a server that does not ignore it).
 */
import { createWriteStream, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { retryAfterMs } from '../../fhir/http-fetch.ts';
import { BODY_WEIGHT_LOINC, SYSTEMS } from '../../domain/vocabulary.ts';
import { AUDIT_EXIT, AuditError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import { addDays, type DateRange } from '../range.ts';

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
  /** Kick-off, status and delete requests: retries and timeouts, no token (this client adds it). */
  readonly fetch: typeof fetch;
  /** File downloads (streamed): no token, no retry (this client retries a cut download). */
  readonly download?: typeof fetch;
  /** The access token, when the server needs one (`force` renews it after a 401). */
  readonly token?: (force?: boolean) => Promise<string>;
  readonly progress: Progress;
  /** Files downloaded at once. */
  readonly downloads?: number;
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
const MAX_REDIRECTS = 5;

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

/** A URL the server named, resolved against the base and checked: never a downgrade to http. */
export function checkedUrl(base: string, url: string, what: string): URL {
  let u: URL;
  try {
    u = new URL(url, base);
  } catch {
    throw failed(`the server named an invalid URL for ${what}`);
  }
  const b = new URL(base);
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw failed(`${what}: only http(s) URLs are fetched`);
  if (b.protocol === 'https:' && u.protocol !== 'https:')
    throw failed(
      `${what} is on http while the FHIR server is on https: refused (it would travel unencrypted)`,
    );
  return u;
}

export function sameOrigin(base: string, u: URL): boolean {
  return new URL(base).origin === u.origin;
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

/**
 * A request with the token when (and only when) the URL is on the FHIR server's origin; 3xx
 * answers are followed by hand, under the same rule at every hop.
 */
async function guardedFetch(
  opts: BulkClientOptions,
  via: typeof fetch,
  url: URL,
  init: RequestInit,
  what: string,
  needsToken: boolean,
): Promise<Response> {
  let target = url;
  for (let hop = 0; ; hop++) {
    const own = sameOrigin(opts.url, target);
    // A URL the server names must be its own when it needs the token; where the server then
    // redirects (a storage service's signed URL) is fetched without it.
    if (hop === 0 && needsToken && opts.token && !own)
      throw failed(
        `${what} is on another origin (${target.origin}) and needs the access token: vialwise sends the token only to ${new URL(opts.url).origin}`,
      );
    let renewed = false;
    let res: Response;
    for (;;) {
      const headers = new Headers(init.headers);
      if (own && opts.token) headers.set('Authorization', `Bearer ${await opts.token(renewed)}`);
      res = await via(target.href, { ...init, headers, redirect: 'manual' });
      if (res.status === 401 && own && opts.token && !renewed) {
        await res.body?.cancel();
        renewed = true;
        continue;
      }
      break;
    }
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return res;
    await res.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw failed(`${what}: too many redirects`);
    target = checkedUrl(target.href, location, what);
  }
}

/** Kick-off, poll until complete; returns the manifest (`onStatus` records the status URL first). */
export async function runExport(
  opts: BulkClientOptions,
  req: ExportRequest,
  resume?: { statusUrl?: string; onStatus?: (statusUrl: string) => void },
): Promise<{ manifest: ExportManifest; statusUrl: string }> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let statusUrl = resume?.statusUrl;
  if (!statusUrl) {
    const kick = await guardedFetch(
      opts,
      opts.fetch,
      checkedUrl(opts.url, kickOffUrl(opts.url, req), 'the export kick-off'),
      { headers: { Accept: 'application/fhir+json', Prefer: 'respond-async, handling=lenient' } },
      'the export kick-off',
      true,
    );
    if (kick.status !== 202)
      throw failed(`the server refused the bulk export kick-off: ${await problem(kick)}`);
    await kick.body?.cancel();
    const location = kick.headers.get('content-location');
    if (!location) throw failed('the bulk export kick-off answered 202 without a Content-Location');
    const status = checkedUrl(opts.url, location, 'the export status URL');
    if (!sameOrigin(opts.url, status))
      throw failed(
        `the export status URL is on another origin (${status.origin}): vialwise polls only ${new URL(opts.url).origin}, where the token may go`,
      );
    statusUrl = status.href;
    resume?.onStatus?.(statusUrl);
  }

  opts.progress.phase('exporting', 1, 'export');
  const deadline = Date.now() + (opts.maxWaitMs ?? 2 * 3_600_000);
  let polls = 0;
  for (;;) {
    const res = await guardedFetch(
      opts,
      opts.fetch,
      new URL(statusUrl),
      { headers: { Accept: 'application/json' } },
      'the export status URL',
      true,
    );
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

/** Downloads one file to `file` (through `file.part`), starting again when a download is cut. */
async function downloadFile(
  opts: BulkClientOptions,
  url: URL,
  file: string,
  withToken: boolean,
  attempts = 3,
): Promise<void> {
  const via = opts.download ?? globalThis.fetch;
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await guardedFetch(
        opts,
        via,
        url,
        { headers: { Accept: 'application/fhir+ndjson' } },
        'an export file',
        withToken,
      );
      if (!res.ok || !res.body) {
        await res.body?.cancel();
        throw failed(`downloading an export file answered ${res.status}`);
      }
      await pipeline(
        Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
        createWriteStream(`${file}.part`, { mode: 0o600 }),
      );
      renameSync(`${file}.part`, file);
      return;
    } catch (err) {
      rmSync(`${file}.part`, { force: true });
      // A connection cut mid-file: start the file again (the server keeps it until DELETE).
      const retryable = !(err instanceof AuditError) || /answered 5\d\d/.test(err.message);
      if (attempt >= attempts || !retryable) throw err;
    }
  }
}

/** Runs `tasks` with at most `limit` at once; the first failure stops new ones and is thrown. */
export async function bounded<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  let failure: unknown;
  const lane = async () => {
    while (failure === undefined && next < tasks.length) {
      const i = next++;
      try {
        results[i] = await (tasks[i] as () => Promise<T>)();
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, lane));
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error('a download failed');
  return results;
}

/** Tells the server the files are no longer needed (best effort, as the IG allows). */
export async function deleteExport(opts: BulkClientOptions, statusUrl: string): Promise<void> {
  try {
    const res = await guardedFetch(
      opts,
      opts.fetch,
      new URL(statusUrl),
      { method: 'DELETE' },
      'the export status URL',
      true,
    );
    await res.body?.cancel();
  } catch {
    // The server expires the files on its own.
  }
}

interface ExportState {
  statusUrl?: string;
  manifest?: ExportManifest;
  files: Record<string, string>;
  deleted?: boolean;
}

/** Runs the audit's exports and downloads their files into `dir`, resuming what was recorded there. */
export async function exportForAudit(
  opts: BulkClientOptions,
  range: DateRange,
  dir: string,
): Promise<string[]> {
  const statePath = join(dir, 'export.json');
  const states: ExportState[] = existsSync(statePath)
    ? (JSON.parse(readFileSync(statePath, 'utf8')) as ExportState[])
    : auditExports(range).map(() => ({ files: {} }));
  const save = () => writeFileSync(statePath, JSON.stringify(states), { mode: 0o600 });
  const files: string[] = [];
  for (const [n, req] of auditExports(range).entries()) {
    const state = (states[n] ??= { files: {} });
    if (!state.manifest) {
      const { manifest, statusUrl } = await runExport(opts, req, {
        ...(state.statusUrl ? { statusUrl: state.statusUrl } : {}),
        onStatus: (url) => {
          state.statusUrl = url;
          save();
        },
      });
      state.manifest = manifest;
      state.statusUrl = statusUrl;
      save();
    }
    const manifest = state.manifest;
    const withToken = manifest.requiresAccessToken === true;
    opts.progress.phase('downloading', manifest.output.length, 'files');
    let done = Object.keys(state.files).length;
    const jobs = manifest.output.map((out, i) => async () => {
      const type = /^[A-Z][A-Za-z]+$/.test(out.type) ? out.type : 'Resource';
      const name = `${n}-${String(i).padStart(3, '0')}.${type}.ndjson`;
      const file = join(dir, name);
      if (state.files[String(i)] === name && existsSync(file)) return file;
      await downloadFile(opts, checkedUrl(opts.url, out.url, 'an export file'), file, withToken);
      state.files[String(i)] = name;
      save();
      opts.progress.update(++done, type);
      return file;
    });
    files.push(...(await bounded(jobs, opts.downloads ?? 4)));
    for (const err of manifest.error ?? []) {
      try {
        const res = await guardedFetch(
          opts,
          opts.download ?? globalThis.fetch,
          checkedUrl(opts.url, err.url, 'an export error file'),
          { headers: { Accept: 'application/fhir+ndjson' } },
          'an export error file',
          withToken,
        );
        const text = res.ok ? await res.text() : '';
        const lines = text.split('\n').filter((l) => l.trim());
        if (lines.length) opts.warn(`the server reported ${lines.length} error(s) while exporting`);
      } catch {
        opts.warn('an export error file could not be read');
      }
    }
    if (!state.deleted && state.statusUrl) {
      await deleteExport(opts, state.statusUrl);
      state.deleted = true;
      save();
    }
  }
  return files;
}
