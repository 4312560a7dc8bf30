/**
 * CHARGEMASTER_FILE is read when the service starts: a file that cannot be used stops the start
 * with exit code 2 and one line naming the variable, the file and the row (README, configuration); a
 * good file lets it start.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { logLines, runToExit, startService } from '../logs/child-process.ts';

const FIXTURE = new URL(
  '../fixtures/chargemaster/vialwise-demo-hospital_standardcharges.csv',
  import.meta.url,
).pathname;
const dir = mkdtempSync(join(tmpdir(), 'vialwise-cdm-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { DEMO_DATA: 'false', PORT: '0', EMBEDDED_FHIR_PORT: '0', LOG_LEVEL: 'info' };

describe('node src/main.ts with CHARGEMASTER_FILE', () => {
  test.concurrent('a malformed row: exit 2, one line naming the variable, the file and the row', async () => {
    const bad = join(dir, 'bad_standardcharges.csv');
    // Row 16 is the first Depo-Medrol row of the fixture: its gross charge written with a dollar sign.
    const lines = readFileSync(FIXTURE, 'utf8').split('\n');
    expect(lines[15]).toMatch(/^Depo-Medrol .*,189\.00,/);
    lines[15] = lines[15]!.replace(',189.00,', ',$189.00,');
    writeFileSync(bad, lines.join('\n'));
    const r = await runToExit({ ...base, CHARGEMASTER_FILE: bad });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const out = r.stderr.split('\n').filter((l) => l !== '');
    expect(out).toEqual([
      `vialwise: CHARGEMASTER_FILE ${bad}: row 16: standard_charge|gross "$189.00" is not a positive number`,
    ]);
  });

  test.concurrent('a file that does not exist: exit 2', async () => {
    const r = await runToExit({ ...base, CHARGEMASTER_FILE: join(dir, 'nowhere.json') });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `vialwise: CHARGEMASTER_FILE ${join(dir, 'nowhere.json')}: cannot read (ENOENT)`,
    );
  });

  test('the fixture: the service starts and logs how many charges it loaded', async () => {
    const { main } = await startService({ ...base, CHARGEMASTER_FILE: FIXTURE });
    try {
      const loaded = logLines(main.stdout()).find((l) => l.event === 'chargemaster-loaded');
      expect(loaded).toMatchObject({ event: 'chargemaster-loaded', count: 13 });
    } finally {
      expect((await main.terminate()).code).toBe(0);
    }
  });
});
