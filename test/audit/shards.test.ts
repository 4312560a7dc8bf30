/**
 * Many machines, no home-made cluster: three shards (`--partition k/3`, or a Kubernetes Indexed
 * Job's JOB_COMPLETION_INDEX / JOB_COMPLETIONS) merged with `vialwise audit merge` give exactly
 * the reports of one run over the whole input: the JSON byte for byte, both CSVs and the HTML,
 * with broken input lines each counted by exactly one shard.
 */
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit, type AuditRunOptions } from '../../src/audit/run.ts';
import { logicalPartition, shardFrom, shardOf, shardRange } from '../../src/audit/shard.ts';
import { runInProcess } from '../support-proc/cli.ts';
import { generated, runCli, tempDir } from './support.ts';

const fixture = generated(1200, 21);
const work = tempDir();
const input = join(work, 'export');
const NOW = new Date('2026-04-15T08:00:00.000Z');
const out = (name: string) => join(work, name);
let brokenLines: string[];

function audit(extra: Partial<AuditRunOptions>) {
  const err: string[] = [];
  return runAudit({
    since: fixture.answers.range.since,
    until: fixture.answers.range.until,
    ndjsonDir: input,
    priceFiles: fixture.prices,
    env: {},
    clock: () => NOW,
    rangeBytes: 512 * 1024,
    stdout: () => undefined,
    stderr: (t) => void err.push(t),
    ...extra,
  }).then((r) => ({ ...r, stderr: err.join('') }));
}

const reports = (prefix: string) => ({
  json: out(`${prefix}.json`),
  csv: out(`${prefix}.csv`),
  html: out(`${prefix}.html`),
});
const read = (f: string) => readFileSync(f, 'utf8');

beforeAll(() => {
  mkdirSync(input);
  for (const f of readdirSync(fixture.dir))
    if (f.endsWith('.ndjson')) copyFileSync(join(fixture.dir, f), join(input, f));
  // Broken lines in several files: every shard reads them, exactly one counts each.
  brokenLines = [
    '{"resourceType":"ChargeItem","id":"cut',
    '[1, 2]',
    'not json',
    '{"resourceType":"Coverage","id":"x",}',
  ];
  appendFileSync(join(input, 'ChargeItem.ndjson'), `${brokenLines[0]}\n${brokenLines[1]}\n`);
  appendFileSync(join(input, 'Coverage.ndjson'), `${brokenLines[2]}\n`);
  appendFileSync(join(input, 'Encounter.ndjson'), `${brokenLines[3]}\n`);
}, 60_000);
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(fixture.dir, { recursive: true, force: true });
});

describe('shards merged equal one run', () => {
  // One run over the whole input and the three shards (with --partition k/3), whose reports the
  // tests below merge, compare and read. One worker each (on the main thread, no thread to
  // start): the shards are under test. Reports of runs on worker threads equal those of the main
  // thread byte for byte in resume.test.ts (killed on two threads, finished on the main thread).
  type Run = Awaited<ReturnType<typeof audit>>;
  let whole: Run;
  const shards: Run[] = [];
  beforeAll(async () => {
    whole = await audit({ ...reports('whole'), workers: 1 });
    for (let k = 0; k < 3; k++)
      shards.push(await audit({ ...reports(`shard-${k}`), partition: `${k}/3`, workers: 1 }));
  });

  it('3 shards, merged, give the one-run reports byte for byte', async () => {
    expect(whole.exitCode).toBe(4); // the broken lines
    expect(whole.stats!.brokenLines).toBe(brokenLines.length);

    // Each shard audits only its own encounters; together, all of them, once.
    const counts = shards.map((s) => s.summary!.totals.encounters);
    expect(counts.every((n) => n > 0)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(fixture.answers.totals.encounters);
    // Every shard reads every line; each broken line is counted (and named) by one shard only.
    expect(shards.map((s) => s.stats!.lines)).toEqual([
      whole.stats!.lines,
      whole.stats!.lines,
      whole.stats!.lines,
    ]);
    expect(shards.reduce((n, s) => n + s.stats!.brokenLines, 0)).toBe(brokenLines.length);
    const named = shards.flatMap((s) => s.stderr.split('\n').filter((l) => l.includes('(line skipped)')));
    expect(named).toHaveLength(brokenLines.length);

    const merged = await runCli([
      'audit',
      'merge',
      out('shard-2.json'),
      out('shard-0.json'),
      out('shard-1.json'),
      '--json',
      out('merged.json'),
      '--csv',
      out('merged.csv'),
      '--html',
      out('merged.html'),
    ]);
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(4);
    expect(merged.stdout).toContain('3 shard(s) merged');
    // The merge's own clock differs: everything but generatedAt is the same, byte for byte.
    const stamp = (text: string) =>
      text
        .replace(/"generatedAt": "[^"]+"/, '"generatedAt": "-"')
        .replace(/generated \d{4}-[\d:.TZ-]+ by/, 'generated - by');
    expect(stamp(read(out('merged.json')))).toBe(stamp(read(out('whole.json'))));
    expect(read(out('merged.csv'))).toBe(read(out('whole.csv')));
    expect(read(out('merged.lines.csv'))).toBe(read(out('whole.lines.csv')));
    expect(stamp(read(out('merged.html')))).toBe(stamp(read(out('whole.html'))));
    // And the figures are the known answers.
    const report = JSON.parse(read(out('merged.json')));
    expect(report.totals.recoverableValue).toBe(fixture.answers.totals.recoverableValue);
    expect(report.partition).toEqual({ index: 0, count: 1 });
    expect(report.input.brokenLines).toBe(brokenLines.length);
  });

  it('reads the shard from a Kubernetes Indexed Job', async () => {
    // One worker (on the main thread): the shard is what is under test. Compared with shard 1 of 3 above,
    // given by the flag.
    const viaEnv = await audit({
      json: out('env-1.json'),
      env: { JOB_COMPLETION_INDEX: '1', JOB_COMPLETIONS: '3' },
      workers: 1,
    });
    const viaFlag = shards[1] as Run;
    expect(JSON.parse(read(out('shard-1.json'))).partition).toEqual({ index: 1, count: 3 });
    expect(viaEnv.summary).toEqual(viaFlag.summary);
    expect(JSON.parse(read(out('env-1.json'))).partition).toEqual({ index: 1, count: 3 });
    expect(shardFrom(undefined, { JOB_COMPLETION_INDEX: '2' })).toMatch(/JOB_COMPLETIONS/);
    expect(shardFrom(undefined, { JOB_COMPLETION_INDEX: '3', JOB_COMPLETIONS: '3' })).toMatch(
      /k counts from 0/,
    );
    expect(shardFrom('0/3', { JOB_COMPLETION_INDEX: '2', JOB_COMPLETIONS: '3' })).toEqual({
      index: 0,
      count: 3,
    });
  });

  // In process, through the same program (the merge above is the child process).
  it('refuses an incomplete or mismatched set of shards', async () => {
    const missing = await runInProcess([
      'audit',
      'merge',
      out('shard-0.json'),
      out('shard-2.json'),
      '--json',
      out('x.json'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/shard\(s\) 1\/3 missing: merge all 3/);
    const twice = await runInProcess([
      'audit',
      'merge',
      out('shard-0.json'),
      out('shard-0.json'),
      out('shard-1.json'),
    ]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/shard 0\/3 is given twice/);
    const notOurs = await runInProcess(['audit', 'merge', join(input, 'Encounter.ndjson')]);
    expect(notOurs.code).toBe(2);
    expect(notOurs.stderr).toMatch(/is not a JSON report written by vialwise audit --json/);
  });

  it('splits the partitions into contiguous blocks, and every partition into exactly one shard', () => {
    for (const n of [1, 2, 3, 7, 64, 4096]) {
      let expected = 0;
      for (let k = 0; k < n; k++) {
        const { lo, hi } = shardRange({ index: k, count: n });
        expect(lo).toBe(expected);
        for (const p of [lo, hi - 1]) if (hi > lo) expect(shardOf(p, n)).toBe(k);
        expected = hi;
      }
      expect(expected).toBe(65_536);
    }
    // A stable hash: the same patient lands in the same partition in every run and on every machine.
    expect(logicalPartition('Patient/syn-pat-000001')).toBe(logicalPartition('Patient/syn-pat-000001'));
    const spread = new Set(
      Array.from({ length: 1000 }, (_, i) => shardOf(logicalPartition(`Patient/p-${i}`), 8)),
    );
    expect(spread.size).toBe(8);
  });
});
