/**
 * The NDJSON audit against generated exports whose answers were computed by hand (answers.json):
 * one file per type, many partitions, one shuffled mixed file, gzip, broken lines, and the range.
 */
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLineRange } from '../../src/audit/sources/lines.ts';
import { HashIndex } from '../../src/audit/sources/hash-index.ts';
import { scanLine } from '../../src/audit/sources/scan.ts';
import { parseCalendarDate } from '../../src/audit/range.ts';
import { runAudit, type AuditRunOptions } from '../../src/audit/run.ts';
import { expectedTotals, generated, parseCsv, tempDir, totalsLikeAnswers } from './support.ts';

// 750 encounters (4 MB): every scenario of the generator many times over; the byte-range test
// below cuts it as finely as it needs.
const fixture = generated(750, 11);
const cleanup: string[] = [fixture.dir];
afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

function audit(dir: string, extra: Partial<AuditRunOptions> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const run = runAudit({
    since: fixture.answers.range.since,
    until: fixture.answers.range.until,
    ndjsonDir: dir,
    priceFiles: fixture.prices,
    env: {},
    // One worker (on the main thread, no thread to start) unless a test is about several: the
    // byte-range test below runs three.
    workers: 1,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    ...extra,
  });
  return run.then((r) => ({ ...r, stdout: out.join(''), stderr: err.join('') }));
}

function copyExport(to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(fixture.dir))
    if (f.endsWith('.ndjson')) copyFileSync(join(fixture.dir, f), join(to, f));
}

describe('audit over a generated NDJSON export (known answers)', () => {
  // One audit of the export as it is, with CSV and JSON reports: the first test checks its
  // totals, the last one its reports.
  const csv = join(fixture.dir, 'audit.csv');
  const json = join(fixture.dir, 'audit.json');
  let whole: Awaited<ReturnType<typeof audit>>;
  beforeAll(async () => {
    whole = await audit(fixture.dir, { csv, json });
  });

  it('every answers.json total matches: units, JW, under/over, wrong codes, JZ, gaps by code, money', () => {
    const r = whole;
    expect(r.exitCode).toBe(0);
    expect(totalsLikeAnswers(r.summary!)).toEqual(expectedTotals(fixture.answers));
    // The fixture exercises every kind of finding, so none of the comparisons above is vacuous.
    const t = fixture.answers.totals;
    for (const n of [
      t.missedJw.units,
      t.underBilled.units,
      t.overBilled.units,
      t.wrongCodes,
      t.missingJz,
      t.encountersWithNothingPosted,
    ]) {
      expect(n).toBeGreaterThan(0);
    }
    expect(Object.keys(t.gapsByCode).sort()).toEqual([
      'charge-code-mismatch',
      'charge-modifier-missing',
      'charge-units-mismatch',
      'claim-already-submitted',
      'missing-diagnosis',
      'ndc-missing',
      'wastage-undocumented',
    ]);
    expect(r.stats!.administrations).toBe(t.administrationsInExport);
    // Priced with the CMS 2026Q1 limits, not illustrative ones.
    expect(r.summary!.pricesIllustrative).toBe(false);
    expect(r.stdout).not.toContain('ILLUSTRATIVE');
    // J1250 (dobutamine) posted for methylprednisolone sodium succinate, which bills J2919.
    expect(r.summary!.wrongCodePairs).toEqual([{ posted: 'J1250', expected: 'J2919', count: t.wrongCodes }]);
    // The headline is the four parts, added up in mills: nothing counted twice, nothing left out.
    const h = r.summary!.headline;
    expect(
      Math.round((h.missedJw.value + h.underBilled.value + h.wrongCodes.value + h.missingJz.value) * 1000),
    ).toBe(Math.round(h.recoverable * 1000));
    expect(h.recoverable).toBe(t.recoverableValue);
    expect(h.pricedBy.map((p) => [p.dosQuarter, p.priceQuarter, p.latestLoaded])).toEqual([
      ['2026Q1', '2026Q1', false],
    ]);
  });

  it('gives the same totals through many byte ranges, dozens of partition files and small groups', async () => {
    const r = await audit(fixture.dir, {
      rangeBytes: 128 * 1024,
      fileBytes: 64 * 1024,
      groupBytes: 2 * 1024,
      workers: 3,
    });
    expect(r.exitCode).toBe(0);
    expect(totalsLikeAnswers(r.summary!)).toEqual(expectedTotals(fixture.answers));
  });

  it('gives the same totals from one shuffled file of every type, gzipped', async () => {
    const dir = tempDir();
    cleanup.push(dir);
    const lines = readdirSync(fixture.dir)
      .filter((f) => f.endsWith('.ndjson'))
      .flatMap((f) => readFileSync(join(fixture.dir, f), 'utf8').split('\n').filter(Boolean));
    // Deterministic shuffle: administrations and charges arrive before their Encounters.
    let seed = 42;
    for (let i = lines.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const j = seed % (i + 1);
      [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
    }
    writeFileSync(join(dir, 'export.ndjson.gz'), gzipSync(`${lines.join('\r\n')}\r\n`));
    const r = await audit(dir, { fileBytes: 256 * 1024 });
    expect(r.exitCode).toBe(0);
    expect(totalsLikeAnswers(r.summary!)).toEqual(expectedTotals(fixture.answers));
  });

  it('reports a broken line with its file and line number, audits the rest, and exits 4', async () => {
    const dir = tempDir();
    cleanup.push(dir);
    copyExport(dir);
    const file = join(dir, 'MedicationAdministration.ndjson');
    const count = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    appendFileSync(file, '{"resourceType":"MedicationAdministration","id":"cut-off","status":"comp\n');
    appendFileSync(file, '[1, 2, 3]\n');
    appendFileSync(file, '{"id":"no-type"}\n');
    // Well-formed enough for the partition scan, not for JSON.parse: caught when audited, still named.
    appendFileSync(
      file,
      '{"resourceType":"MedicationAdministration","id":"bad-number","subject":{"reference":"Patient/syn-pat-000001"},"dosage":{"dose":{"value":1e}}}\n',
    );
    const r = await audit(dir);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain(`${file}:${count + 1}: not valid JSON`);
    expect(r.stderr).toContain(`${file}:${count + 2}: not a JSON object`);
    expect(r.stderr).toContain(`${file}:${count + 3}: not a FHIR resource`);
    expect(r.stderr).toContain(`${file}:${count + 4}: not valid JSON (error at character`);
    // What the broken lines hold never reaches stderr: it may be patient data.
    expect(r.stderr).not.toMatch(/bad-number|syn-pat-000001|cut-off|no-type/);
    expect(r.stats!.brokenLines).toBe(4);
    // Nothing else was lost.
    expect(totalsLikeAnswers(r.summary!)).toEqual(expectedTotals(fixture.answers));
  });

  it('says so everywhere when illustrative prices are loaded', async () => {
    const prices = join(fixture.dir, 'illustrative.json');
    writeFileSync(
      prices,
      JSON.stringify({
        prices: [{ code: 'J1745', quarter: '2026Q1', paymentLimit: 40, source: 'test', illustrative: true }],
      }),
    );
    const csv = join(fixture.dir, 'illustrative.csv');
    const html = join(fixture.dir, 'illustrative.html');
    const r = await audit(fixture.dir, { priceFiles: [prices], csv, html });
    expect(r.exitCode).toBe(0);
    expect(r.summary!.pricesIllustrative).toBe(true);
    expect(r.stdout).toContain('Priced with the 2026Q1 ILLUSTRATIVE prices.');
    expect(r.stdout).toContain('* ILLUSTRATIVE prices: not CMS payment limits.');
    expect(readFileSync(html, 'utf8')).toContain('data-figure="illustrative"');
    expect(
      readFileSync(csv, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .every((row) => row.endsWith(',true')),
    ).toBe(true);
  });

  it('audits only encounters with an administration dated in the range', async () => {
    // One month of the quarter: fewer encounters, all of them dated inside it.
    const r = await audit(fixture.dir, {
      since: '2026-02-01',
      until: '2026-02-28',
      csv: join(fixture.dir, 'feb.csv'),
    });
    expect(r.exitCode).toBe(0);
    const t = r.summary!.totals;
    expect(t.encounters).toBeGreaterThan(0);
    expect(t.encounters).toBeLessThan(fixture.answers.totals.encounters);
    const rows = readFileSync(join(fixture.dir, 'feb.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows).toHaveLength(t.encounters);
    for (const row of rows) expect(row.split(',')[1]).toMatch(/^2026-02-/);
    // Nothing before the quarter is ever audited: the quarter's totals are exactly the answers.
    const before = await audit(fixture.dir, { since: '2025-12-01', until: '2025-12-31' });
    expect(before.summary!.totals.encounters).toBe(fixture.answers.scenarios['before-range']);
  });

  it('writes CSV and JSON reports that hold every audited encounter and the same totals', () => {
    const r = whole;
    expect(r.exitCode).toBe(0);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0]).toMatch(/^encounter,date_of_service,payer,/);
    expect(rows).toHaveLength(fixture.answers.totals.encounters + 1);
    const header = (rows[0] as string).split(',');
    const col = (name: string) => header.indexOf(name);
    // Money columns are exact to the mill: a spreadsheet's column sum is the report's total.
    const sum = (name: string) =>
      rows.slice(1).reduce((s, row) => s + Math.round(Number(row.split(',')[col(name)]) * 1000), 0) / 1000;
    const a = fixture.answers.totals;
    expect(sum('missed_jw_units')).toBe(a.missedJw.units);
    expect(sum('under_billed_units')).toBe(a.underBilled.units);
    expect(sum('recoverable_value')).toBe(a.recoverableValue);
    expect(sum('wrong_code_value')).toBe(a.wrongCode.value);
    expect(sum('missing_jz_value')).toBe(a.missingJzValue.value);
    expect(rows.slice(1).every((row) => row.endsWith(',false'))).toBe(true); // prices_illustrative
    // priced_with: the quarter whose limits priced the encounter's lines (none without lines); an
    // inpatient stay's drugs are paid with the stay (Part A), not separately.
    const pricedWith = rows
      .slice(1)
      .map((row) => [
        Number(row.split(',')[col('lines')]) > 0,
        row.split(',')[col('encounter_class')],
        row.split(',').at(-2),
      ]);
    expect(
      pricedWith.every(
        ([lines, cls, q]) =>
          q === (!lines ? '' : cls === 'IMP' ? 'not paid separately in this setting' : '2026Q1'),
      ),
    ).toBe(true);
    expect(pricedWith.some(([, cls]) => cls === 'IMP')).toBe(true);
    // The line-level file: one row per code, date and JW/non-JW line, with what to document.
    const lines = readFileSync(join(fixture.dir, 'audit.lines.csv'), 'utf8').trim().split('\n');
    const lh = (lines[0] as string).split(',');
    expect(lh).toEqual([
      'encounter',
      'date_of_service',
      'code',
      'modifiers',
      'units_documented',
      'units_posted',
      'posted_modifiers',
      'posted_code',
      'finding',
      'units_recoverable',
      'value_recoverable',
      'units_over_billed',
      'value_over_billed',
      'payment_limit',
      'priced_with',
      'gap_codes',
      'gap_text',
      'prices_illustrative',
    ]);
    const lineSum = lines
      .slice(1)
      .reduce((s, row) => s + Math.round(Number(parseCsv(row)[lh.indexOf('value_recoverable')]) * 1000), 0);
    expect(lineSum / 1000).toBe(a.recoverableValue);
    const missedJwRows = lines
      .slice(1)
      .map(parseCsv)
      .filter((c) => c[lh.indexOf('finding')] === 'missed-jw');
    expect(missedJwRows.reduce((s, c) => s + Number(c[lh.indexOf('units_recoverable')]), 0)).toBe(
      a.missedJw.units,
    );
    const gapText = lines
      .slice(1)
      .map(parseCsv)
      .find((c) => c[lh.indexOf('gap_codes')] === 'charge-code-mismatch');
    expect(gapText?.[lh.indexOf('gap_text')]).toMatch(
      /^The posted charge bills J1250 .*correct the charge code\.$/,
    );
    expect(gapText?.[lh.indexOf('posted_code')]).toBe('J1250');
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.pricesIllustrative).toBe(false);
    expect(report.pricesNote).toBeUndefined();
    expect(report.totals.missedJw).toEqual(a.missedJw);
    expect(report.headline.recoverable).toBe(a.recoverableValue);
    expect(report.encounters).toHaveLength(a.encounters);
    expect(readdirSync(fixture.dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
    // Reports hold billing data about patients' encounters: readable by their owner only.
    for (const f of [csv, json, join(fixture.dir, 'audit.lines.csv')])
      expect(statSync(f).mode & 0o777).toBe(0o600);
  });
});

describe('NDJSON building blocks', () => {
  it('reads lines across chunks, with CRLF and without a final newline', async () => {
    const dir = tempDir();
    cleanup.push(dir);
    const file = join(dir, 'x.ndjson');
    const long = 'x'.repeat(3 * 1024 * 1024);
    writeFileSync(file, `a\r\n\n${long}\nlast`);
    const seen: [string, number][] = [];
    const r = await readLineRange(
      file,
      { start: 0, end: Infinity },
      {
        line: (buf, s, e, n) => seen.push([e - s > 10 ? `long:${e - s}` : buf.toString('utf8', s, e), n]),
        tooLong: () => undefined,
      },
    );
    expect(seen).toEqual([
      ['a', 1],
      [`long:${long.length}`, 3],
      ['last', 4],
    ]);
    expect(r.lines).toBe(4);
  });

  it('splits a file into byte ranges that together read every line exactly once, in order', async () => {
    const dir = tempDir();
    cleanup.push(dir);
    const file = join(dir, 'x.ndjson');
    const all = Array.from({ length: 200 }, (_, i) => `line-${i}-${'y'.repeat(i % 37)}`);
    writeFileSync(file, `${all.join('\n')}\n`);
    const size = statSync(file).size;
    for (const step of [5, 64, 1000, size]) {
      const got: string[] = [];
      let base = 0;
      for (let start = 0; start < size; start += step) {
        const r = await readLineRange(
          file,
          { start, end: start + step },
          {
            line: (buf, s, e, n) => got.push(`${base + n}:${buf.toString('utf8', s, e)}`),
            tooLong: () => undefined,
          },
        );
        base += r.lines;
      }
      expect(got).toEqual(all.map((l, i) => `${i + 1}:${l}`));
    }
  });

  it('scans only the top level: nested subjects, escaped quotes and spacing do not fool it', () => {
    const line = JSON.stringify({
      resourceType: 'MedicationAdministration',
      contained: [{ resourceType: 'Medication', id: 'med', subject: { reference: 'Patient/wrong' } }],
      note: [{ text: 'said "subject": {"reference": "Patient/wrong"} \\' }],
      context: { display: 'ED visit', reference: 'Encounter/e-1' },
      subject: { reference: 'Patient/p-1' },
      id: 'a-1',
      dosage: { dose: { value: 1.5e2, unit: 'mg' } },
    });
    const spaced = line.replace(/":/g, '" :  ').replace(/,"/g, ' ,\t"');
    for (const text of [line, spaced, `  ${line}  `]) {
      const r = scanLine(Buffer.from(text), 0, Buffer.byteLength(text));
      expect(r).toEqual({
        ok: true,
        value: {
          resourceType: 'MedicationAdministration',
          id: 'a-1',
          context: 'Encounter/e-1',
          subject: 'Patient/p-1',
        },
      });
    }
    const unicode = Buffer.from(
      '{"resourceType":"Encounter","id":"é\\u0041","subject":{"reference":"Patient/ü"}}',
    );
    expect(scanLine(unicode, 0, unicode.length)).toEqual({
      ok: true,
      value: { resourceType: 'Encounter', id: 'éA', subject: 'Patient/ü' },
    });
    for (const [bad, reason] of [
      ['{"resourceType":"Encounter","id":"x"', /not valid JSON/],
      ['{"resourceType":"Encounter","id":"x}', /not valid JSON/],
      ['{"resourceType":"Encounter"} trailing', /not valid JSON/],
      ['["resourceType"]', /not a JSON object/],
      ['{"resourceType":"encounter"}', /not a FHIR resource/],
    ] as const) {
      const r = scanLine(Buffer.from(bad), 0, bad.length);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(reason);
    }
  });

  it.each([
    [
      'first',
      { meta: { tag: [{ code: 'x' }] }, resourceType: 'Encounter', id: 'e', text: { div: '<div>}{"</div>' } },
    ],
    ['middle', { resourceType: 'Encounter', meta: { versionId: '2' }, id: 'e' }],
    ['last', { resourceType: 'Encounter', id: 'e', text: { status: 'generated', div: '<div/>' } }],
    ['only narrative kept as a string (not an object)', { resourceType: 'Basic', text: 'plain' }],
  ])('drops top-level meta and text objects (%s) and leaves valid JSON', (_where, resource) => {
    const text = JSON.stringify(resource).replace(/,"/g, ', "');
    const buf = Buffer.from(text);
    const r = scanLine(buf, 0, buf.length);
    if (!r.ok) throw new Error(r.reason);
    let kept = '';
    let from = 0;
    for (const [a, b] of r.value.droppable ?? []) {
      kept += buf.toString('utf8', from, a);
      from = b;
    }
    kept += buf.toString('utf8', from);
    const expected: Record<string, unknown> = { ...resource };
    for (const k of ['meta', 'text']) if (typeof expected[k] === 'object') delete expected[k];
    expect(JSON.parse(kept)).toEqual(expected);
  });

  it('HashIndex keeps a value per key through growth, and shares it read-only', () => {
    const index = new HashIndex(4);
    for (let i = 0; i < 50_000; i++) index.set(`enc-${i}`, i % 1000);
    expect(index.size).toBe(50_000);
    for (let i = 0; i < 50_000; i += 997) expect(index.get(`enc-${i}`)).toBe(i % 1000);
    expect(index.get('enc-50000')).toBeUndefined();
    const shared = HashIndex.fromShared(index.share());
    for (let i = 0; i < 50_000; i += 991) expect(shared.get(`enc-${i}`)).toBe(i % 1000);
  });

  it.each([
    ['2026-02-29', undefined],
    ['2028-02-29', '2028-02-29'],
    ['2026-13-01', undefined],
    ['2026-7-01', undefined],
    ['yesterday', undefined],
  ])('parseCalendarDate(%s)', (value, expected) => {
    expect(parseCalendarDate(value)).toBe(expected);
  });
});
