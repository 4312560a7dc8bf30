/**
 * Batch audit benchmark (SPEC section 9: >= 20,000 administrations per second, peak RSS under
 * 300 MB for 1,000,000 administrations). Generates a synthetic export of 1,000,000
 * administrations into a temporary folder, then runs, each in its own child process so that the
 * peak RSS (`process.resourceUsage().maxRSS`) is its own:
 *
 * - the audit (`runAudit` over the folder, with the CSV, JSON and HTML reports), and
 * - a baseline: reading the same NDJSON files line by line and `JSON.parse` of every line, the
 *   least any NDJSON consumer does,
 *
 * and prints both rates in administrations per second, their ratio, and both peaks.
 * `bench/run.ts` calls `auditBench()`; `node bench/audit.ts` runs it alone.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateExport, type Answers } from '../src/audit/generate.ts';
import { readLines } from '../src/audit/ndjson.ts';
import { runAudit } from '../src/audit/run.ts';

const ADMINISTRATIONS = Number(process.env.AUDIT_BENCH_ADMINISTRATIONS ?? 1_000_000);
const SELF = fileURLToPath(import.meta.url);

interface ChildReport {
  readonly elapsedMs: number;
  readonly maxRssKb: number;
  readonly administrations: number;
  readonly lines: number;
  readonly exitCode?: number;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

function child(mode: 'audit' | 'baseline', dir: string, out: string): Promise<ChildReport> {
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
  if (mode === 'audit') {
    const answers = JSON.parse(readFileSync(join(dir, 'answers.json'), 'utf8')) as Answers;
    const r = await runAudit({
      since: answers.range.since,
      until: answers.range.until,
      ndjsonDir: dir,
      priceFiles: [join(dir, answers.priceFile)],
      html: join(out, 'audit.html'),
      csv: join(out, 'audit.csv'),
      json: join(out, 'audit.json'),
      workDir: out,
      env: {},
      stdout: () => undefined,
    });
    exitCode = r.exitCode;
    administrations = r.stats?.administrationsRead ?? 0;
    lines = r.stats?.resourcesRead ?? 0;
  } else {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ndjson'))) {
      await readLines(join(dir, f), (line) => {
        const r = JSON.parse(line) as { resourceType?: string };
        lines++;
        if (r.resourceType === 'MedicationAdministration') administrations++;
      });
    }
  }
  const report: ChildReport = {
    elapsedMs: performance.now() - started,
    maxRssKb: process.resourceUsage().maxRSS,
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

    const baseline = await child('baseline', data, out);
    const audit = await child('audit', data, out);
    const auditRate = (audit.administrations * 1000) / audit.elapsedMs;
    const baseRate = (baseline.administrations * 1000) / baseline.elapsedMs;

    console.log('');
    console.log('## Batch audit over NDJSON (child processes, one core each)');
    console.log(
      `  export                        ${fmt(answers.totals.administrationsInExport)} administrations, ${fmt(answers.encounters)} encounters, ` +
        `${fmt(baseline.lines)} lines, ${(bytes / 1e9).toFixed(2)} GB (generated in ${(generatedMs / 1000).toFixed(1)} s)`,
    );
    console.log(
      `  audit                         ${fmt(auditRate)} administrations/s (${(audit.elapsedMs / 1000).toFixed(1)} s, HTML+CSV+JSON)   (SPEC >= 20,000)`,
    );
    console.log(`  audit peak RSS                ${mb(audit.maxRssKb)}   (SPEC < 300 MB)`);
    console.log(
      `  baseline: read + JSON.parse   ${fmt(baseRate)} administrations/s (${(baseline.elapsedMs / 1000).toFixed(1)} s), peak RSS ${mb(baseline.maxRssKb)}`,
    );
    console.log(`  ratio audit / baseline        ${(auditRate / baseRate).toFixed(2)}x`);
    if (audit.administrations !== answers.totals.administrationsInExport || audit.exitCode !== 0) {
      console.log(
        `  WARNING: the audit read ${fmt(audit.administrations)} administrations, exit code ${audit.exitCode ?? '?'}`,
      );
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
