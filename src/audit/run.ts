/**
 * `vialwise audit`: gather (one source: FHIR search, Bulk Data export or NDJSON files) -> decide
 * (the service's engine, then the comparison with what was posted) -> report (HTML, CSV, JSON
 * and a summary on stdout). Returns the exit code instead of exiting, so tests call it directly.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CatalogError } from '../catalog/catalog.ts';
import { loadCatalog, readJsonFile, SHIPPED_CATALOG_DIR } from '../catalog/load.ts';
import { pricesFileSchema } from '../catalog/schema.ts';
import { loadPayerRules, SHIPPED_PAYER_RULES_FILE } from '../catalog/payer-rules.ts';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { loadFacilities } from '../catalog/facilities.ts';
import { DEFAULT_RETRY } from '../fhir/http-fetch.ts';
import type { EngineReference } from '../rules/index.ts';
import { addEncounter, emptyTotals, summarize, type AuditSummary, type TotalsState } from './accumulate.ts';
import { fingerprint, loadCheckpoint, workFolder } from './checkpoint.ts';
import { auditItem } from './compare.ts';
import { AUDIT_EXIT, AuditError, unavailableError } from './errors.ts';
import { displayUrl, ndjsonFiles, referenceFingerprint, validate, type AuditRunOptions } from './options.ts';
import { createProgress, interactive, type Progress } from './progress.ts';
import { describeTargets, jsonHead, RowEncoder, RowFiles, type ReportMeta } from './report/files.ts';
import { renderHtml } from './report/html.ts';
import { discardOpenReports, writeReport } from './report/output.ts';
import { formatSummary } from './report/summary.ts';
import { emptyStats, type InputStats } from './stats.ts';
import { runNdjson, type NdjsonCheckpoint } from './sources/ndjson.ts';

export type { AuditRunOptions } from './options.ts';

export interface AuditRunResult {
  readonly exitCode: number;
  readonly summary?: AuditSummary;
  readonly stats?: InputStats;
}

/** Broken lines printed one by one before the rest are only counted. */
const PRINTED_BROKEN_LINES = 50;

function readConfig(env: Readonly<Record<string, string | undefined>>) {
  try {
    // The audit takes its FHIR URL from the command line; the rest (FHIR_AUTH and the OAuth2
    // settings, CATALOG_DIR, PAYER_RULES_FILE, BILLING_PROVIDER) is read as the service reads it.
    return loadConfig({ ...env, FHIR_BASE_URL: undefined, WEBHOOK_SECRET: undefined, PUBLIC_URL: undefined });
  } catch (e) {
    if (e instanceof ConfigError) throw new AuditError(e.message, 'audit-usage', AUDIT_EXIT.usage);
    throw e;
  }
}

function loadReference(config: Config, prices: readonly string[]): EngineReference {
  try {
    return {
      catalog: loadCatalog(config.catalogDir, [...prices]),
      payerRules: loadPayerRules(config.payerRulesFile),
      facilities: loadFacilities(config.facilitiesFile, config.facilityTimeZone),
    };
  } catch (e) {
    if (e instanceof CatalogError) throw new AuditError(e.message, 'audit-usage', AUDIT_EXIT.usage);
    throw e;
  }
}

/**
 * Reads the price files (the catalog folder's own `prices.json` too), the payer rules and the
 * facility settings, so that a wrong one stops the run at once with exit code 2; returns whether any price is illustrative
 * (the catalog's own limits are CMS's: illustrative ones only come from price files).
 */
function checkReferenceFiles(catalogDir: string, config: Config, priceFiles: readonly string[]): boolean {
  try {
    loadPayerRules(config.payerRulesFile);
    loadFacilities(config.facilitiesFile, config.facilityTimeZone);
    const folderPrices = join(catalogDir, 'prices.json');
    const files = [...(existsSync(folderPrices) ? [folderPrices] : []), ...priceFiles];
    return files.some((f) => readJsonFile(f, pricesFileSchema).prices.some((p) => p.illustrative === true));
  } catch (e) {
    if (e instanceof CatalogError) throw new AuditError(e.message, 'audit-usage', AUDIT_EXIT.usage);
    throw e;
  }
}

export async function runAudit(opts: AuditRunOptions): Promise<AuditRunResult> {
  const out = opts.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = opts.stderr ?? ((t: string) => void process.stderr.write(t));
  let progress: Progress | undefined;
  let work: { dir: string; keep: boolean } | undefined;
  let rows: RowFiles | undefined;
  // Ctrl-C or a stop request: a resumable run keeps its checkpoint; no partial report is left.
  const onSignal = (signal: NodeJS.Signals) => {
    progress?.stop();
    rows?.close();
    discardOpenReports();
    if (work && !work.keep) rmSync(work.dir, { recursive: true, force: true });
    err(
      work?.keep
        ? `vialwise: interrupted (${signal}); no report written. The checkpoint is kept in ${work.dir}: run the same command again to continue from it (--restart to start over)\n`
        : `vialwise: interrupted (${signal}); no report written\n`,
    );
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { range, shard, workers } = validate(opts);
    const env = opts.env ?? process.env;
    const config = readConfig(env);
    const priceFiles = (opts.priceFiles ?? []).map((f) => resolve(f));
    const catalogDir = config.catalogDir ?? SHIPPED_CATALOG_DIR;
    // The NDJSON and Bulk paths evaluate in the workers, each with its own catalog (the main
    // thread is one of them, and loads it there): here the price and payer-rule files are only
    // checked (exit code 2 when wrong). FHIR search evaluates here and loads it.
    const illustrative = checkReferenceFiles(catalogDir, config, priceFiles);
    const reference =
      opts.ndjsonDir === undefined && opts.bulkUrl === undefined
        ? loadReference(config, priceFiles)
        : undefined;
    const referencePrint = referenceFingerprint(
      [catalogDir, config.payerRulesFile ?? SHIPPED_PAYER_RULES_FILE, config.facilitiesFile, ...priceFiles],
      config.facilityTimeZone,
    );
    const descriptors = new Map<string, string>();
    const clock = opts.clock ?? (() => new Date());
    const now = clock().toISOString();
    const targets = {
      ...(opts.csv ? { csv: resolve(opts.csv) } : {}),
      ...(opts.json ? { json: resolve(opts.json) } : {}),
    };
    const wanted = { csv: Boolean(opts.csv), json: Boolean(opts.json) };
    progress = createProgress(Boolean(opts.progress) && interactive(), err);
    const p = progress;
    let printed = 0;
    const onBrokenLine = (where: string) => {
      if (++printed <= PRINTED_BROKEN_LINES) p.log(`vialwise: warning: ${where} (line skipped)`);
    };
    const parent = opts.workDir ?? tmpdir();

    let source: string;
    let totals: TotalsState;
    let stats: InputStats;
    const ndjson = async (
      files: string[],
      dir: string,
      resumed: NdjsonCheckpoint | undefined,
      print: string,
    ) => {
      rows = new RowFiles(dir, targets, resumed?.audit?.rows);
      return runNdjson(
        {
          files,
          dir,
          shard,
          workers,
          init: {
            catalogDir: config.catalogDir,
            priceFiles,
            payerRulesFile: config.payerRulesFile,
            facilitiesFile: config.facilitiesFile,
            facilityTimeZone: config.facilityTimeZone,
            now,
            range,
            targets: wanted,
            illustrative,
            ...(opts.maxLineBytes ? { maxLineBytes: opts.maxLineBytes } : {}),
            ...(opts.groupBytes ? { groupBytes: opts.groupBytes } : {}),
          },
          rows,
          progress: p,
          onBrokenLine,
          ...(opts.rangeBytes ? { rangeBytes: opts.rangeBytes } : {}),
          ...(opts.fileBytes ? { fileBytes: opts.fileBytes } : {}),
          ...(opts.checkpointMs !== undefined ? { checkpointMs: opts.checkpointMs } : {}),
          fingerprint: print,
        },
        resumed,
      );
    };
    const common = {
      version: 3,
      range,
      shard,
      wanted,
      reference: referencePrint,
      sizes: [opts.rangeBytes, opts.fileBytes, opts.groupBytes, opts.maxLineBytes],
    };

    if (opts.ndjsonDir !== undefined) {
      source = `NDJSON files in ${opts.ndjsonDir}`;
      const files = ndjsonFiles(resolve(opts.ndjsonDir));
      const print = fingerprint({
        ...common,
        files: files.map((f) => {
          const st = statSync(f);
          return [f, st.size, st.mtimeMs];
        }),
      });
      const folder = openWork(parent, print, opts.restart === true);
      work = { dir: folder.dir, keep: true };
      let found: Map<string, string>;
      ({ totals, stats, descriptors: found } = await ndjson(files, folder.dir, folder.resumed, print));
      for (const [k, v] of found) descriptors.set(k, v);
    } else {
      const url = (opts.bulkUrl ?? opts.fhirUrl ?? '').replace(/\/+$/, '');
      const remote = await import('./sources/remote.ts');
      const remoteOptions = {
        url,
        config,
        retry: opts.retry ?? DEFAULT_RETRY,
        range,
        progress,
        warn: (line: string) => p.log(`vialwise: warning: ${line}`),
      };
      if (opts.bulkUrl !== undefined) {
        source = `Bulk Data export from ${displayUrl(url)}`;
        const print = fingerprint({ ...common, bulk: url });
        const folder = openWork(parent, print, opts.restart === true);
        work = { dir: folder.dir, keep: true };
        const files = await remote.downloadBulkExport(remoteOptions, folder.dir, opts.downloads ?? 4);
        let found: Map<string, string>;
        ({ totals, stats, descriptors: found } = await ndjson(files, folder.dir, folder.resumed, print));
        for (const [k, v] of found) descriptors.set(k, v);
      } else {
        source = `FHIR search of ${displayUrl(url)}`;
        const dir = mkdtempSync(join(parent, 'vialwise-audit-'));
        work = { dir, keep: false };
        rows = new RowFiles(dir, targets);
        const sink = rows;
        totals = emptyTotals();
        const t = totals;
        stats = emptyStats();
        const encoder = new RowEncoder(wanted, illustrative);
        const ref = reference as EngineReference;
        for (const [code, c] of ref.catalog.codes) descriptors.set(code, c.descriptor);
        await remote.auditByFhirSearch(
          { ...remoteOptions, stats, write: Boolean(opts.write), reference: ref, clock, shard },
          (item) => {
            const audit = auditItem(item, ref, now, range);
            addEncounter(t, audit);
            encoder.add(audit);
            sink.append(encoder.take());
          },
        );
      }
    }

    const summary = summarize(totals, range, (code) => descriptors.get(code) ?? '');
    const meta: ReportMeta = {
      generatedAt: now,
      source,
      wrote: Boolean(opts.write),
      stats,
      partition: { index: shard.index, count: shard.count },
      reference: referencePrint,
    };
    rows?.finish(targets, jsonHead(summary, meta));
    rows = undefined;
    if (opts.html) writeReport(resolve(opts.html), renderHtml(summary, meta));
    progress.stop();
    progress = undefined;
    if (work) rmSync(work.dir, { recursive: true, force: true });
    work = undefined;

    if (printed > PRINTED_BROKEN_LINES) {
      err(`vialwise: warning: ${printed - PRINTED_BROKEN_LINES} more unreadable lines skipped\n`);
    }
    out(
      formatSummary(
        summary,
        stats,
        source,
        describeTargets({ ...targets, ...(opts.html ? { html: resolve(opts.html) } : {}) }),
        shard,
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
    rows?.close();
    const failure = classify(e);
    err(`vialwise: ${failure.message}\n`);
    // A run that got somewhere keeps its checkpoint for the same command to resume.
    if (work?.keep && failure.exitCode !== AUDIT_EXIT.usage && hasProgress(work.dir))
      err(`vialwise: the checkpoint is kept in ${work.dir}: run the same command again to continue\n`);
    else if (work) rmSync(work.dir, { recursive: true, force: true });
    return { exitCode: failure.exitCode };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function hasProgress(dir: string): boolean {
  return existsSync(join(dir, 'checkpoint.json')) || existsSync(join(dir, 'export', 'export.json'));
}

function openWork(
  parent: string,
  print: string,
  restart: boolean,
): { dir: string; resumed: NdjsonCheckpoint | undefined } {
  const first = workFolder(parent, print);
  if (restart && first.existed) {
    rmSync(first.dir, { recursive: true, force: true });
    return { dir: workFolder(parent, print).dir, resumed: undefined };
  }
  const resumed = first.existed ? loadCheckpoint<NdjsonCheckpoint>(first.dir) : undefined;
  return { dir: first.dir, resumed: resumed?.fingerprint === print ? resumed : undefined };
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
  if (
    code === 'ENOENT' ||
    code === 'EACCES' ||
    code === 'ENOTDIR' ||
    code === 'ENOSPC' ||
    code === 'EEXIST' ||
    code === 'ELOOP'
  ) {
    return new AuditError(`cannot read or write a file: ${message}`, String(code), AUDIT_EXIT.failed);
  }
  return new AuditError(message, 'audit-failed', AUDIT_EXIT.failed);
}
