/**
 * `vialwise audit`: gather (one source: FHIR search, Bulk Data export or NDJSON files) -> decide
 * (the service's engine, then the comparison with what was posted) -> report (HTML, CSV, JSON
 * and a summary on stdout). Returns the exit code instead of exiting, so tests call it directly.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CatalogError } from '../catalog/catalog.ts';
import { loadCatalog } from '../catalog/load.ts';
import { loadPayerRules } from '../catalog/payer-rules.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { DEFAULT_RETRY, type RetryPolicy } from '../fhir/http-fetch.ts';
import { evaluateEncounter, type EngineReference } from '../rules/index.ts';
import {
  AuditTotals,
  emptySourceStats,
  pricesIllustrative,
  type AuditSummary,
  type SourceStats,
} from './accumulate.ts';
import { auditEncounter } from './compare.ts';
import { AUDIT_EXIT, AuditError, unavailableError, usageError } from './errors.ts';
import { auditNdjson } from './ndjson-source.ts';
import { createProgress, interactive, type Progress } from './progress.ts';
import { parseCalendarDate, type DateRange } from './range.ts';
import { ReportFiles } from './report-files.ts';
import { ILLUSTRATIVE_NOTE, renderHtml, type ReportMeta } from './report-html.ts';
import type { AuditItem } from './source.ts';

export interface AuditRunOptions {
  readonly since: string;
  readonly until: string;
  readonly fhirUrl?: string;
  readonly bulkUrl?: string;
  readonly ndjsonDir?: string;
  readonly html?: string;
  readonly csv?: string;
  readonly json?: string;
  /** Draft Claims and DetectedIssues on the FHIR server (`--fhir-url` only). */
  readonly write?: boolean;
  readonly priceFiles?: readonly string[];
  /** Environment for the FHIR auth, catalog and payer-rules settings (SPEC section 1). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Parent folder of the temporary work folder (partitions, downloads). */
  readonly workDir?: string;
  /** Show a progress bar (only honoured on a terminal). */
  readonly progress?: boolean;
  readonly clock?: () => Date;
  readonly retry?: RetryPolicy;
  /** Partition sizes of the NDJSON audit (tests make them tiny). */
  readonly partitionBytes?: number;
  readonly fileBytes?: number;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
}

export interface AuditRunResult {
  readonly exitCode: number;
  readonly summary?: AuditSummary;
  readonly stats?: SourceStats;
}

/** Broken lines printed one by one before the rest are only counted. */
const PRINTED_BROKEN_LINES = 50;
const SAMPLED_BROKEN_LINES = 20;

export function validate(opts: AuditRunOptions): DateRange {
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
  }
  if (opts.write && !opts.fhirUrl)
    throw usageError('--write needs --fhir-url (Claims and DetectedIssues are written where the data lives)');
  if (opts.ndjsonDir !== undefined) {
    if (!existsSync(opts.ndjsonDir) || !statSync(opts.ndjsonDir).isDirectory()) {
      throw usageError(`--ndjson: ${opts.ndjsonDir} is not a folder`);
    }
    if (ndjsonFiles(opts.ndjsonDir).length === 0)
      throw usageError(`--ndjson: no .ndjson files in ${opts.ndjsonDir}`);
  }
  for (const f of [opts.html, opts.csv, opts.json]) {
    if (f === undefined) continue;
    if (existsSync(f) && statSync(f).isDirectory()) throw usageError(`${f} is a folder, not a file`);
    if (!isFolder(dirname(resolve(f))))
      throw usageError(`${f}: the folder ${dirname(resolve(f))} does not exist`);
  }
  if (opts.workDir !== undefined && !isFolder(opts.workDir))
    throw usageError(`--work-dir: ${opts.workDir} is not a folder`);
  return { since, until };
}

function isFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
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

export function ndjsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(ndjson|jsonl)(\.gz)?$/.test(f))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

export async function runAudit(opts: AuditRunOptions): Promise<AuditRunResult> {
  const out = opts.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = opts.stderr ?? ((t: string) => void process.stderr.write(t));
  let progress: Progress | undefined;
  let files: ReportFiles | undefined;
  let work: string | undefined;
  // Ctrl-C or a stop request: leave neither partitions (as large as the input) nor partial reports.
  const onSignal = (signal: NodeJS.Signals) => {
    progress?.stop();
    files?.discard();
    if (work) rmSync(work, { recursive: true, force: true });
    err(`vialwise: interrupted (${signal}); no report written\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const range = validate(opts);
    const config = readConfig(opts.env ?? process.env);
    const reference = loadReference(config.catalogDir, config.payerRulesFile, opts.priceFiles ?? []);
    const retry = opts.retry ?? DEFAULT_RETRY;
    const clock = opts.clock ?? (() => new Date());
    const now = clock().toISOString();
    const stats = emptySourceStats();
    progress = createProgress(Boolean(opts.progress) && interactive(), err);
    const p = progress;
    const onBrokenLine = (where: string) => {
      if (stats.brokenLineSamples.length < SAMPLED_BROKEN_LINES) stats.brokenLineSamples.push(where);
      if (stats.brokenLines <= PRINTED_BROKEN_LINES) p.log(`vialwise: warning: ${where} (line skipped)`);
    };

    const totals = new AuditTotals(range, reference.catalog);
    files = new ReportFiles({
      illustrative: pricesIllustrative(reference.catalog),
      ...(opts.csv ? { csv: resolve(opts.csv) } : {}),
      ...(opts.json ? { json: resolve(opts.json) } : {}),
    });
    const sink = files;
    const handle = (item: AuditItem): void => {
      const evaluation = item.evaluation ?? evaluateEncounter(item.input, reference, now);
      const audit = auditEncounter({ ...item, evaluation }, reference.catalog, range);
      totals.add(audit);
      sink.add(audit);
    };

    let source: string;
    if (opts.ndjsonDir !== undefined) {
      source = `NDJSON files in ${opts.ndjsonDir}`;
      work = mkdtempSync(join(opts.workDir ?? tmpdir(), 'vialwise-audit-'));
      await auditNdjson(
        {
          files: ndjsonFiles(opts.ndjsonDir),
          workDir: work,
          range,
          stats,
          progress,
          onBrokenLine,
          ...sizes(opts),
        },
        handle,
      );
    } else {
      const url = (opts.bulkUrl ?? opts.fhirUrl ?? '').replace(/\/+$/, '');
      const remote = await import('./remote.ts');
      const common = {
        url,
        config,
        retry,
        range,
        progress,
        warn: (line: string) => p.log(`vialwise: warning: ${line}`),
      };
      if (opts.bulkUrl !== undefined) {
        source = `Bulk Data export from ${displayUrl(url)}`;
        work = mkdtempSync(join(opts.workDir ?? tmpdir(), 'vialwise-audit-'));
        const downloads = join(work, 'export');
        const partitions = join(work, 'partitions');
        for (const d of [downloads, partitions]) mkdirSync(d);
        const exported = await remote.downloadBulkExport(common, downloads);
        await auditNdjson(
          { files: exported, workDir: partitions, range, stats, progress, onBrokenLine, ...sizes(opts) },
          handle,
        );
      } else {
        source = `FHIR search of ${displayUrl(url)}`;
        await remote.auditByFhirSearch(
          { ...common, stats, write: Boolean(opts.write), reference, clock },
          handle,
        );
      }
    }

    const summary = totals.summary();
    const meta: ReportMeta = { generatedAt: now, source, wrote: Boolean(opts.write), stats };
    files.finish(summary, meta, stats);
    files = undefined;
    if (opts.html) writeAtomically(resolve(opts.html), renderHtml(summary, meta));
    progress.stop();
    progress = undefined;

    if (stats.brokenLines > PRINTED_BROKEN_LINES) {
      err(`vialwise: warning: ${stats.brokenLines - PRINTED_BROKEN_LINES} more unreadable lines skipped\n`);
    }
    out(
      formatSummary(
        summary,
        stats,
        source,
        [opts.html, opts.csv, opts.json].filter((f): f is string => !!f),
      ),
    );
    if (stats.brokenLines) {
      err(
        `vialwise: ${stats.brokenLines} input line(s) could not be read; the reports leave them out (exit code ${AUDIT_EXIT.brokenInput})\n`,
      );
      return { exitCode: AUDIT_EXIT.brokenInput, summary, stats };
    }
    return { exitCode: AUDIT_EXIT.ok, summary, stats };
  } catch (e) {
    progress?.stop();
    files?.discard();
    const failure = classify(e);
    err(`vialwise: ${failure.message}\n`);
    return { exitCode: failure.exitCode };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (work) rmSync(work, { recursive: true, force: true });
  }
}

function sizes(opts: AuditRunOptions): { partitionBytes?: number; fileBytes?: number } {
  return {
    ...(opts.partitionBytes ? { partitionBytes: opts.partitionBytes } : {}),
    ...(opts.fileBytes ? { fileBytes: opts.fileBytes } : {}),
  };
}

function readConfig(env: Readonly<Record<string, string | undefined>>) {
  try {
    // The audit takes its FHIR URL from the command line; the rest (FHIR_AUTH and the OAuth2
    // settings, CATALOG_DIR, PAYER_RULES_FILE, BILLING_PROVIDER) is read as the service reads it.
    return loadConfig({ ...env, FHIR_BASE_URL: undefined, WEBHOOK_SECRET: undefined, PUBLIC_URL: undefined });
  } catch (e) {
    if (e instanceof ConfigError) throw usageError(e.message);
    throw e;
  }
}

function loadReference(
  catalogDir: string | undefined,
  payerRulesFile: string | undefined,
  priceFiles: readonly string[],
): EngineReference {
  try {
    return { catalog: loadCatalog(catalogDir, [...priceFiles]), payerRules: loadPayerRules(payerRulesFile) };
  } catch (e) {
    if (e instanceof CatalogError) throw usageError(e.message);
    throw e;
  }
}

function writeAtomically(file: string, text: string): void {
  writeFileSync(`${file}.partial`, text);
  renameSync(`${file}.partial`, file);
}

/**
 * The exit code and one-line message of a failure. FHIR errors are recognised by their stable
 * `code` (and an OperationOutcome by its `outcome`), so that this module need not load the
 * FHIR client to classify them.
 */
function classify(e: unknown): AuditError {
  if (e instanceof AuditError) return e;
  const code = (e as { code?: unknown } | undefined)?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (code === 'fhir-unavailable') return unavailableError(`FHIR server unavailable: ${message}`);
  if (code === 'fhir-auth-failed') {
    return /unreachable/.test(message)
      ? unavailableError(`FHIR authorization: ${message}`)
      : new AuditError(`FHIR authorization failed: ${message}`, code, AUDIT_EXIT.failed);
  }
  const outcome = (
    e as { outcome?: { id?: string; issue?: { diagnostics?: string; details?: { text?: string } }[] } }
  )?.outcome;
  if (outcome && typeof outcome === 'object') {
    const issue = outcome.issue?.[0];
    const said = issue?.details?.text ?? issue?.diagnostics ?? outcome.id ?? 'error';
    return new AuditError(`the FHIR server answered: ${said}`, 'fhir-error', AUDIT_EXIT.failed);
  }
  if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR' || code === 'ENOSPC') {
    return new AuditError(`cannot read or write a file: ${message}`, code, AUDIT_EXIT.failed);
  }
  return new AuditError(message, 'audit-failed', AUDIT_EXIT.failed);
}

export function formatSummary(
  s: AuditSummary,
  stats: SourceStats,
  source: string,
  written: readonly string[],
): string {
  const t = s.totals;
  const star = s.pricesIllustrative ? ' *' : '';
  const usd = (n: number) =>
    `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}${star}`;
  const int = (n: number) => n.toLocaleString('en-US');
  const gaps = s.gapsByCode.map(
    (g) => `    ${g.code.padEnd(28)} ${int(g.count).padStart(9)}   ${usd(g.revenueAtRisk)}`,
  );
  return [
    `vialwise audit ${s.range.since} to ${s.range.until} (${source})`,
    `  administrations read      ${int(stats.administrationsRead)}`,
    `  encounters audited        ${int(t.encounters)} (${int(t.administrations)} administrations, ${int(t.encountersWithFindings)} with findings)`,
    `  units documented          ${int(t.derivedUnits)} + ${int(t.jwUnits)} JW in ${int(t.lines)} lines, ${usd(t.derivedValue)}`,
    `  value recoverable         ${usd(t.recoverableValue)}`,
    `  missed JW                 ${int(t.missedJw.units)} units, ${usd(t.missedJw.value)}`,
    `  under-billed              ${int(t.underBilled.units)} units, ${usd(t.underBilled.value)}`,
    `  over-billed               ${int(t.overBilled.units)} units, ${usd(t.overBilled.value)}`,
    `  wrong codes posted        ${int(t.wrongCodes)}`,
    `  missing JZ                ${int(t.missingJz)}`,
    `  open documentation gaps   ${int(t.gaps)}, revenue at risk ${usd(t.revenueAtRisk)}`,
    ...gaps,
    ...(t.encountersWithNothingPosted
      ? [`  encounters with nothing posted: ${int(t.encountersWithNothingPosted)}`]
      : []),
    ...(t.unpricedUnits
      ? [`  units without a payment limit for their quarter: ${int(t.unpricedUnits)} (counted, not valued)`]
      : []),
    ...(s.pricesIllustrative ? [`  * ${ILLUSTRATIVE_NOTE}`] : []),
    ...(written.length ? [`  wrote ${written.join(', ')}`] : []),
    '',
  ].join('\n');
}
