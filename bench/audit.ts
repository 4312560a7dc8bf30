/**
 * Batch audit benchmark (issue 16: on 1,000,000 administrations, at least 0.6x of reading and
 * parsing the same NDJSON, peak RSS under 400 MB). Generates a synthetic export of 1,000,000
 * administrations (tools/synthetic-export) into a temporary folder, then runs, each in its own
 * child process so that the peak RSS (`process.resourceUsage().maxRSS`, worker threads included)
 * is its own:
 *
 * - a baseline: reading the same NDJSON files line by line and `JSON.parse` of every line, on one
 *   core: the least any NDJSON consumer does;
 * - the audit on every core (the main thread and one worker thread per further core), with the
 *   CSV, JSON and HTML reports;
 * - the audit on one worker (the main thread, no worker thread), to show what the second core adds;
 *
 * and prints the rates in administrations per second, their ratios, and the peaks.
 * `bench/run.ts` calls `auditBench()`; `node bench/audit.ts` runs it alone.
 * `AUDIT_BENCH_ADMINISTRATIONS` sets another size.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAudit } from '../src/audit/run.ts';
import { readLineRange } from '../src/audit/sources/lines.ts';
import { generateExport, type Answers } from '../tools/synthetic-export/generate.ts';

const ADMINISTRATIONS = Number(process.env.AUDIT_BENCH_ADMINISTRATIONS ?? 1_000_000);
const SELF = fileURLToPath(import.meta.url);

interface ChildReport {
  readonly elapsedMs: number;
  readonly cpuMs: number;
  readonly maxRssKb: number;
  readonly administrations: number;
  readonly lines: number;
  readonly exitCode?: number;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

function child(mode: string, dir: string, out: string): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [SELF, '--child', mode, dir, out],
      { maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${mode} child failed: ${stderr.slice(0, 500)}`));
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1) as string) as ChildReport);
      },
    );
  });
}

async function runChild(mode: string, dir: string, out: string): Promise<void> {
  const started = performance.now();
  let administrations = 0;
  let lines = 0;
  let exitCode: number | undefined;
  if (mode.startsWith('audit')) {
    const answers = JSON.parse(readFileSync(join(dir, 'answers.json'), 'utf8')) as Answers;
    const workers = mode === 'audit-1' ? 1 : availableParallelism();
    const r = await runAudit({
      since: answers.range.since,
      until: answers.range.until,
      ndjsonDir: dir,
      priceFiles: [join(dir, answers.priceFile)],
      html: join(out, `${mode}.html`),
      csv: join(out, `${mode}.csv`),
      json: join(out, `${mode}.json`),
      workDir: out,
      workers,
      env: {},
      stdout: () => undefined,
    });
    exitCode = r.exitCode;
    administrations = r.stats?.administrations ?? 0;
    lines = r.stats?.lines ?? 0;
  } else {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ndjson'))) {
      await readLineRange(
        join(dir, f),
        { start: 0, end: Infinity },
        {
          line: (buf, s, e) => {
            const r = JSON.parse(buf.toString('utf8', s, e)) as { resourceType?: string };
            lines++;
            if (r.resourceType === 'MedicationAdministration') administrations++;
          },
          tooLong: () => undefined,
        },
      );
    }
  }
  const usage = process.resourceUsage();
  const report: ChildReport = {
    elapsedMs: performance.now() - started,
    cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
    maxRssKb: usage.maxRSS,
    administrations,
    lines,
    ...(exitCode !== undefined ? { exitCode } : {}),
  };
  console.log(JSON.stringify(report));
}

export async function auditBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vialwise-audit-bench-'));
  const out = join(dir, 'out');
  const data = join(dir, 'export');
  try {
    const started = performance.now();
    const answers = generateExport({
      encounters: 10_000_000,
      administrations: ADMINISTRATIONS,
      outDir: data,
      seed: 1,
    });
    const generatedMs = performance.now() - started;
    const bytes = readdirSync(data).reduce((s, f) => s + statSync(join(data, f)).size, 0);
    mkdirSync(out);

    const load = loadavg()[0] ?? 0;
    const baseline = await child('baseline', data, out);
    const audit = await child('audit', data, out);
    const single = await child('audit-1', data, out);
    const rate = (r: ChildReport) => (r.administrations * 1000) / r.elapsedMs;
    const baseRate = rate(baseline);
    const cores = availableParallelism();

    console.log('');
    console.log(
      `## Batch audit over NDJSON (child processes; ${cores} cores; load average ${load.toFixed(1)} at the start)`,
    );
    console.log(
      `  export                          ${fmt(answers.totals.administrationsInExport)} administrations, ${fmt(answers.encounters)} encounters, ` +
        `${fmt(baseline.lines)} lines, ${(bytes / 1e9).toFixed(2)} GB (generated in ${(generatedMs / 1000).toFixed(1)} s)`,
    );
    console.log(
      `  baseline: read + JSON.parse     ${fmt(baseRate)} administrations/s (${(baseline.elapsedMs / 1000).toFixed(1)} s, ${(baseline.cpuMs / 1000).toFixed(1)} s of CPU, one core), peak RSS ${mb(baseline.maxRssKb)}`,
    );
    console.log(
      `  audit, ${cores} workers (main + ${cores - 1} thread${cores === 2 ? '' : 's'}) ${fmt(rate(audit))} administrations/s (${(audit.elapsedMs / 1000).toFixed(1)} s, ${(audit.cpuMs / 1000).toFixed(1)} s of CPU, HTML+CSV+JSON)   ratio ${(rate(audit) / baseRate).toFixed(2)}x   (target >= 0.6x)`,
    );
    console.log(`  audit peak RSS                  ${mb(audit.maxRssKb)}   (target < 400 MB)`);
    console.log(
      `  audit, 1 worker (main thread)   ${fmt(rate(single))} administrations/s (${(single.elapsedMs / 1000).toFixed(1)} s, ${(single.cpuMs / 1000).toFixed(1)} s of CPU), peak RSS ${mb(single.maxRssKb)}   ratio ${(rate(single) / baseRate).toFixed(2)}x`,
    );
    // CPU time does not depend on what else the machine runs: the work itself, against the baseline's.
    const perThousand = (r: ChildReport) => (r.cpuMs * 1000) / r.administrations;
    console.log(
      `  CPU per 1,000 administrations   baseline ${perThousand(baseline).toFixed(0)} ms, audit ${perThousand(audit).toFixed(0)} ms on ${cores} workers, ${perThousand(single).toFixed(0)} ms on 1 (audit / baseline ${(perThousand(audit) / perThousand(baseline)).toFixed(1)}x and ${(perThousand(single) / perThousand(baseline)).toFixed(1)}x)`,
    );
    for (const r of [audit, single]) {
      if (r.administrations !== answers.totals.administrationsInExport || r.exitCode !== 0) {
        console.log(
          `  WARNING: an audit read ${fmt(r.administrations)} administrations, exit code ${r.exitCode ?? '?'}`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === SELF) {
  if (process.argv[2] === '--child')
    await runChild(process.argv[3] as string, process.argv[4] as string, process.argv[5] as string);
  else await auditBench();
}
