/**
 * `vialwise audit merge <shard.json>...`: the JSON reports of the shards of one audit
 * (`--partition k/n`, one per machine or per Kubernetes pod) combined into the reports of the
 * whole run. Each shard's encounters are read back (one record per line, streamed) and added up
 * again, shard after shard: shards hold contiguous blocks of partitions and list their encounters
 * in partition order, so the result is the report one machine would have written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { addEncounter, emptyTotals, summarize } from './accumulate.ts';
import { AUDIT_EXIT, AuditError, usageError } from './errors.ts';
import {
  jsonHead,
  REPORT_FORMAT,
  RowEncoder,
  RowFiles,
  describeTargets,
  type ReportMeta,
} from './report/files.ts';
import { renderHtml } from './report/html.ts';
import { writeReport } from './report/output.ts';
import { parseEncounterRecord, RecordError } from './report/records.ts';
import { formatSummary } from './report/summary.ts';
import type { DateRange } from './range.ts';
import { readLineRange } from './sources/lines.ts';
import { addStats, emptyStats, type InputStats } from './stats.ts';

export interface MergeOptions {
  readonly shards: readonly string[];
  readonly html?: string;
  readonly csv?: string;
  readonly json?: string;
  readonly clock?: () => Date;
  /** Folder for the temporary rows (default: the system temp folder). */
  readonly workDir?: string;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
}

interface ShardHead {
  readonly format: string;
  readonly generatedAt: string;
  readonly source: string;
  readonly partition: { readonly index: number; readonly count: number };
  readonly reference: string;
  readonly wroteToFhirServer: boolean;
  readonly range: DateRange;
  readonly input: InputStats;
  readonly descriptors: Record<string, string>;
}

const ENCOUNTERS_LINE = '  "encounters": [';
const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** Reads a shard report's head (everything before its encounters), streaming. */
async function readHead(file: string): Promise<ShardHead> {
  const lines: string[] = [];
  let found = false;
  await readLineRange(
    file,
    { start: 0, end: Infinity, maxLineBytes: MAX_RECORD_BYTES },
    {
      line: (buf, s, e) => {
        if (found) return;
        const text = buf.toString('utf8', s, e);
        if (text === ENCOUNTERS_LINE || text === `${ENCOUNTERS_LINE}]`) found = true;
        else lines.push(text);
      },
      tooLong: () => undefined,
    },
  );
  const notOurs = () => usageError(`${file} is not a JSON report written by vialwise audit --json`);
  if (!found || !lines.length) throw notOurs();
  let head: Record<string, unknown>;
  try {
    head = JSON.parse(`${lines.join('\n').replace(/,\s*$/, '')}\n}`) as Record<string, unknown>;
  } catch {
    throw notOurs();
  }
  if (head.report !== 'vialwise drug charge audit') throw notOurs();
  if (head.format !== REPORT_FORMAT)
    throw usageError(
      `${file} is a report of format ${String(head.format)}; this vialwise merges ${REPORT_FORMAT}`,
    );
  const descriptors: Record<string, string> = {};
  for (const row of (head.byCode ?? []) as { code?: unknown; descriptor?: unknown }[])
    if (typeof row.code === 'string' && typeof row.descriptor === 'string')
      descriptors[row.code] = row.descriptor;
  return { ...(head as unknown as ShardHead), descriptors };
}

export async function runMerge(opts: MergeOptions): Promise<number> {
  const out = opts.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = opts.stderr ?? ((t: string) => void process.stderr.write(t));
  const work = mkdtempSync(join(opts.workDir ?? tmpdir(), 'vialwise-merge-'));
  let rows: RowFiles | undefined;
  try {
    if (!opts.shards.length) throw usageError('merge needs the JSON reports of the shards');
    const heads = await Promise.all(
      opts.shards.map(async (f) => ({ file: resolve(f), head: await readHead(resolve(f)) })),
    );
    const first = heads[0]?.head as ShardHead;
    const n = first.partition.count;
    for (const { file, head } of heads) {
      if (head.partition.count !== n)
        throw usageError(
          `${file} is shard ${head.partition.index}/${head.partition.count}, the first is of ${n} shards`,
        );
      if (head.range.since !== first.range.since || head.range.until !== first.range.until)
        throw usageError(
          `${file} audits ${head.range.since} to ${head.range.until}, the first ${first.range.since} to ${first.range.until}`,
        );
      if (head.reference !== first.reference)
        throw usageError(
          `${file} was audited with other reference data (catalog, prices or payer rules) than the first`,
        );
      if (head.source !== first.source) throw usageError(`${file} audited another source (${head.source})`);
      for (const k of ['files', 'bytes', 'lines'] as const)
        if (head.input[k] !== first.input[k])
          throw usageError(`${file} read other input than the first (${k} differ)`);
    }
    const byIndex = [...heads].sort((a, b) => a.head.partition.index - b.head.partition.index);
    const missing = Array.from({ length: n }, (_, i) => i).filter(
      (i) => !byIndex.some((h) => h.head.partition.index === i),
    );
    const twice = byIndex.filter(
      (h, i) => i > 0 && byIndex[i - 1]?.head.partition.index === h.head.partition.index,
    );
    if (twice.length) throw usageError(`shard ${twice[0]?.head.partition.index}/${n} is given twice`);
    if (missing.length)
      throw usageError(`shard(s) ${missing.map((i) => `${i}/${n}`).join(', ')} missing: merge all ${n}`);

    const targets = {
      ...(opts.csv ? { csv: resolve(opts.csv) } : {}),
      ...(opts.json ? { json: resolve(opts.json) } : {}),
    };
    rows = new RowFiles(work, targets);
    const totals = emptyTotals();
    const stats = emptyStats();
    for (const k of ['files', 'bytes', 'lines'] as const) stats[k] = first.input[k];
    const illustrative = byIndex.some(
      (h) => (h.head as unknown as { pricesIllustrative?: boolean }).pricesIllustrative === true,
    );
    const encoder = new RowEncoder({ csv: Boolean(opts.csv), json: Boolean(opts.json) }, illustrative);
    const descriptors: Record<string, string> = {};
    for (const { file, head } of byIndex) {
      addStats(stats, head.input);
      Object.assign(descriptors, head.descriptors);
      let inside = false;
      let problem: string | undefined;
      await readLineRange(
        file,
        { start: 0, end: Infinity, maxLineBytes: MAX_RECORD_BYTES },
        {
          line: (buf, s, e) => {
            if (problem) return;
            const text = buf.toString('utf8', s, e);
            if (!inside) {
              inside = text === ENCOUNTERS_LINE;
              return;
            }
            const record = text.trim().replace(/,$/, '');
            if (!record.startsWith('{')) return;
            try {
              const audit = parseEncounterRecord(record);
              addEncounter(totals, audit);
              encoder.add(audit);
            } catch (e) {
              problem = e instanceof RecordError || e instanceof SyntaxError ? e.message : String(e);
            }
          },
          tooLong: () => (problem ??= 'a record is too long'),
        },
        () => rows?.append(encoder.take()),
      );
      rows.append(encoder.take());
      if (problem)
        throw new AuditError(
          `${file}: an encounter record cannot be read (${problem})`,
          'merge-failed',
          AUDIT_EXIT.failed,
        );
    }
    const range = first.range;
    const summary = summarize(totals, range, (code) => descriptors[code] ?? '');
    const meta: ReportMeta = {
      generatedAt: (opts.clock ?? (() => new Date()))().toISOString(),
      source: first.source,
      wrote: byIndex.some((h) => h.head.wroteToFhirServer),
      stats,
      partition: { index: 0, count: 1 },
      reference: first.reference,
    };
    rows.finish(targets, jsonHead(summary, meta));
    rows = undefined;
    if (opts.html) writeReport(resolve(opts.html), renderHtml(summary, meta));
    out(
      formatSummary(
        summary,
        stats,
        `${first.source}; ${n} shard(s) merged`,
        describeTargets({ ...targets, ...(opts.html ? { html: resolve(opts.html) } : {}) }),
        {
          index: 0,
          count: 1,
        },
      ),
    );
    return stats.brokenLines ? AUDIT_EXIT.brokenInput : AUDIT_EXIT.ok;
  } catch (e) {
    rows?.close();
    const failure =
      e instanceof AuditError
        ? e
        : new AuditError(e instanceof Error ? e.message : String(e), 'merge-failed', AUDIT_EXIT.failed);
    err(`vialwise: ${failure.message}\n`);
    return failure.exitCode;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
