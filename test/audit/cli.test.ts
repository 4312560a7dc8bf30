/**
 * `vialwise audit` and the synthetic-export tool as child processes: output files, the summary on
 * stdout, quiet stderr off a terminal, and the exit codes of docs/audit.md. Wrong command lines
 * are run in process through the same program (test/support-proc/cli.ts), two of them also as a
 * child process.
 */
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateExport, type Answers } from '../../tools/synthetic-export/generate.ts';
import { runInProcess } from '../support-proc/cli.ts';
import { CLI, GENERATOR, runCli, tempDir, type CliResult } from './support.ts';

const work = tempDir();
const exportDir = join(work, 'export');
let answers: Answers;
let generate: CliResult;

beforeAll(async () => {
  generate = await runCli(['--encounters', '400', '--out', exportDir, '--seed', '3'], {}, GENERATOR);
  answers = JSON.parse(readFileSync(join(exportDir, 'answers.json'), 'utf8')) as Answers;
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const range = () => ['--since', answers.range.since, '--until', answers.range.until];
const prices = () => ['--prices', join(exportDir, answers.priceFile)];

describe('the synthetic-export tool', () => {
  it('writes a clearly synthetic export with its answers, in a quarter the catalog prices', () => {
    expect(generate.code).toBe(0);
    expect(generate.stdout).toContain('wrote 400 synthetic encounters');
    expect(generate.stdout).toContain(
      `npx vialwise audit --ndjson ${exportDir} --since 2026-01-01 --until 2026-03-31`,
    );
    expect(answers.range).toEqual({ since: '2026-01-01', until: '2026-03-31' });
    expect(answers.synthetic).toBe(true);
    expect(answers.encounters).toBe(400);
    const patient = JSON.parse(
      readFileSync(join(exportDir, 'Patient.ndjson'), 'utf8').split('\n')[0] as string,
    );
    expect(patient.name[0].text).toMatch(/^Synthetic Patient \d{6}$/);
    const admin = JSON.parse(
      readFileSync(join(exportDir, 'MedicationAdministration.ndjson'), 'utf8').split('\n')[0] as string,
    );
    expect(admin.meta.tag).toContainEqual(expect.objectContaining({ code: 'synthetic' }));
    // The payment limits the answers use: CMS's for 2026Q1 (asp-pricing-2026q1.csv), not illustrative.
    const priceFile = JSON.parse(readFileSync(join(exportDir, answers.priceFile), 'utf8')) as {
      prices: { code: string; quarter: string; paymentLimit: number; illustrative?: boolean }[];
    };
    expect(priceFile.prices.every((p) => p.quarter === '2026Q1' && p.illustrative === undefined)).toBe(true);
    expect(priceFile.prices.find((p) => p.code === 'J1745')?.paymentLimit).toBe(32.423);
    expect(priceFile.prices.find((p) => p.code === 'J2919')?.paymentLimit).toBe(0.264);
  });

  it('is no longer a command of the product: vialwise audit generate says where it went', async () => {
    const r = await runInProcess(['audit', 'generate', '--encounters', '10', '--out', join(work, 'nowhere')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/npm run synthetic-export -- --encounters N --out DIR/);
    expect(existsSync(join(work, 'nowhere'))).toBe(false);
  });

  it('is deterministic for a seed', () => {
    // The same export written again, by the generator the tool calls, in this process.
    const again = join(work, 'again');
    expect(generateExport({ encounters: 400, outDir: again, seed: 3 })).toEqual(answers);
    for (const f of ['answers.json', 'MedicationAdministration.ndjson', 'ChargeItem.ndjson']) {
      expect(readFileSync(join(again, f), 'utf8')).toBe(readFileSync(join(exportDir, f), 'utf8'));
    }
  });
});

describe('vialwise audit --ndjson', () => {
  it('writes HTML, CSV and JSON, prints the totals, and keeps stderr quiet off a terminal', async () => {
    const out = (f: string) => join(work, f);
    // One worker (on the main thread): the outputs are under test. The default (a worker thread
    // per core) runs as a process with stderr quiet in readme.test.ts, and finishes the run the
    // Ctrl-C test below interrupts.
    const r = await runCli([
      'audit',
      '--ndjson',
      exportDir,
      ...range(),
      ...prices(),
      '--html',
      out('r.html'),
      '--csv',
      out('r.csv'),
      '--json',
      out('r.json'),
      '--workers',
      '1',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const t = answers.totals;
    expect(r.stdout).toContain(`encounters audited        ${t.encounters.toLocaleString('en-US')} (`);
    expect(r.stdout).toContain(
      `(${t.missedJw.units.toLocaleString('en-US')} units of documented waste not billed)`,
    );
    expect(r.stdout).toMatch(/RECOVERABLE THIS PERIOD {3}\$[\d,]+\.\d\d/);
    expect(r.stdout).toContain('Priced with the 2026Q1 CMS payment limits.');
    expect(r.stdout).not.toContain('ILLUSTRATIVE');
    const report = JSON.parse(readFileSync(out('r.json'), 'utf8'));
    expect(report.totals.missedJw).toEqual(t.missedJw);
    expect(report.totals.underBilled).toEqual(t.underBilled);
    expect(report.totals.overBilled).toEqual(t.overBilled);
    expect(report.totals.revenueAtRisk).toBe(t.revenueAtRisk);
    expect(readFileSync(out('r.csv'), 'utf8').trim().split('\n')).toHaveLength(t.encounters + 1);
    expect(existsSync(out('r.lines.csv'))).toBe(true);
    expect(readFileSync(out('r.html'), 'utf8')).not.toContain('ILLUSTRATIVE');
  });

  it('exit 4: a broken line is named (file:line) on stderr, the rest is audited and reported', async () => {
    const dir = join(work, 'broken');
    mkdirSync(dir);
    const lines = readFileSync(join(exportDir, 'ChargeItem.ndjson'), 'utf8').split('\n').filter(Boolean);
    lines.splice(2, 0, '{"resourceType": "ChargeItem", "id": "half');
    writeFileSync(join(dir, 'ChargeItem.ndjson'), `${lines.join('\n')}\n`);
    for (const f of [
      'Encounter',
      'MedicationAdministration',
      'Coverage',
      'Condition',
      'Medication',
      'Claim',
    ]) {
      writeFileSync(join(dir, `${f}.ndjson`), readFileSync(join(exportDir, `${f}.ndjson`)));
    }
    appendFileSync(join(dir, 'Encounter.ndjson'), 'not json at all\n');
    const json = join(work, 'broken.json');
    // One worker (on the main thread): the broken lines are what is under test.
    const r = await runCli([
      'audit',
      '--ndjson',
      dir,
      ...range(),
      ...prices(),
      '--json',
      json,
      '--workers',
      '1',
    ]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`${join(dir, 'ChargeItem.ndjson')}:3: not valid JSON`);
    expect(r.stderr).toContain(`${join(dir, 'Encounter.ndjson')}:${answers.encounters + 1}: not valid JSON`);
    expect(r.stderr).toMatch(/2 input line\(s\) could not be read/);
    expect(JSON.parse(readFileSync(json, 'utf8')).input.brokenLines).toBe(2);
    expect(r.stdout).toContain('encounters audited');
  });
});

describe('vialwise audit: wrong command lines exit 2, an unreachable server 3', () => {
  it.each([
    [
      'a bad date',
      ['--since', '2026-02-30', '--until', '2026-03-31'],
      /--since <date>' argument '2026-02-30' is invalid/,
    ],
    [
      'since after until',
      ['--since', '2026-04-01', '--until', '2026-03-31'],
      /--since 2026-04-01 is after --until 2026-03-31/,
    ],
    ['no dates', ['--ndjson', '.'], /needs --since YYYY-MM-DD and --until/],
    ['no source', ['--since', '2026-01-01', '--until', '2026-01-31'], /exactly one source/],
    [
      'two sources',
      ['--since', '2026-01-01', '--until', '2026-01-31', '--ndjson', '.', '--fhir-url', 'http://x/fhir'],
      /exactly one source/,
    ],
    [
      '--write without --fhir-url',
      ['--since', '2026-01-01', '--until', '2026-01-31', '--ndjson', '.', '--write'],
      /--write needs --fhir-url/,
    ],
    [
      'a missing folder',
      ['--since', '2026-01-01', '--until', '2026-01-31', '--ndjson', '/nonexistent/dir'],
      /is not a folder/,
    ],
    [
      'plain http to another machine (the token and the data would travel in clear)',
      ['--since', '2026-01-01', '--until', '2026-01-31', '--bulk', 'http://ehr.example.org/fhir'],
      /--bulk must use https for ehr\.example\.org/,
    ],
    [
      'plain http to another machine with --fhir-url',
      ['--since', '2026-01-01', '--until', '2026-01-31', '--fhir-url', 'http://ehr.example.org/fhir/R4'],
      /--fhir-url must use https for ehr\.example\.org/,
    ],
    [
      'a URL that is not http',
      ['--since', '2026-01-01', '--until', '2026-01-31', '--bulk', 'ftp://x'],
      /expected an http\(s\) URL/,
    ],
  ] as const)('%s', async (what, args, message) => {
    // A commander error and an error of the audit's own checks also as a process (exit code,
    // stderr); the rest in process, through the same program.
    const asProcess = what === 'a bad date' || what === 'since after until';
    const r = asProcess ? await runCli(['audit', ...args]) : await runInProcess(['audit', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
  });

  it('a broken price file or auth configuration is exit 2 naming what is wrong', async () => {
    const bad = join(work, 'bad-prices.json');
    writeFileSync(bad, '{"prices": [{"code": "J1745"}]}');
    const prices = await runInProcess(['audit', '--ndjson', exportDir, ...range(), '--prices', bad]);
    const auth = await runInProcess(['audit', '--ndjson', exportDir, ...range()], {
      FHIR_AUTH: 'client-credentials',
    });
    expect(prices.code).toBe(2);
    expect(prices.stderr).toContain(bad);
    expect(auth.code).toBe(2);
    expect(auth.stderr).toMatch(/FHIR_TOKEN_URL is required when FHIR_AUTH=client-credentials/);
  });

  it('exit 3 when the FHIR server cannot be reached; no report is left behind', async () => {
    const html = join(work, 'never.html');
    // In process: the audit's exit codes other than 0 and 2 end the process the same way (exit 4
    // above is a child process).
    const r = await runInProcess([
      'audit',
      '--fhir-url',
      'http://127.0.0.1:9/fhir/R4',
      '--since',
      '2026-01-01',
      '--until',
      '2026-01-31',
      '--html',
      html,
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('vialwise: FHIR server unavailable: FHIR server unreachable\n');
    expect(existsSync(html)).toBe(false);
    expect(existsSync(`${html}.partial`)).toBe(false);
  });

  it('Ctrl-C stops the audit with 130, leaves no report, keeps the checkpoint, and the same command finishes the run', async () => {
    const scratch = join(work, 'scratch');
    mkdirSync(scratch);
    const csv = join(work, 'interrupted.csv');
    const args = ['audit', '--ndjson', exportDir, ...range(), '--csv', csv, '--work-dir', scratch];
    const child = spawn(process.execPath, [CLI, ...args]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Interrupt once the audit has saved its first checkpoint: it does so before its worker
    // threads start (each loads the modules and the catalog), and an uninterrupted run of this
    // export took another 1.4 to 3.4 s after it on two loaded cores (load average 7), against a
    // poll every 10 ms. Exit code 130 (a finished run exits 0) and no report prove the interrupt.
    const saved = () => readdirSync(scratch).some((f) => existsSync(join(scratch, f, 'checkpoint.json')));
    for (let i = 0; i < 3000 && !saved(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(readdirSync(scratch)).toHaveLength(1);
    expect(saved()).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('vialwise: interrupted (SIGINT); no report written');
    expect(stderr).toContain('run the same command again to continue from it');
    // No report and no partial report; the work folder (partitions, checkpoint) stays for the rerun.
    expect(existsSync(csv)).toBe(false);
    expect(existsSync(`${csv}.partial`)).toBe(false);
    const [folder] = readdirSync(scratch);
    expect(folder).toMatch(/^vialwise-audit-[0-9a-f]{20}$/);
    expect(statSync(join(scratch, folder as string)).mode & 0o777).toBe(0o700);
    expect(existsSync(join(scratch, folder as string, 'checkpoint.json'))).toBe(true);

    // The same command again, in process through the same program (the interrupt above is what
    // needs a process of its own).
    const again = await runInProcess(args);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    // Every audited encounter of the export, in the report of the run that finished.
    expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(answers.totals.encounters + 1);
    // A completed run removes its work folder.
    expect(readdirSync(scratch)).toEqual([]);
  });
});
