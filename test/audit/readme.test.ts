/**
 * The README's audit example, run as written: its commands are read from between the
 * `audit-example` markers of README.md and run in a shell, `npm run` and `npx` included, in a
 * folder laid out like a clone (package.json, bin/, src/, tools/, node_modules/ linked), and must
 * produce the reports with the figures of the export's answers.json.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Answers } from '../../tools/synthetic-export/generate.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const clone = mkdtempSync(join(tmpdir(), 'vialwise-readme-'));
afterAll(() => rmSync(clone, { recursive: true, force: true }));

/** The example's commands: shell lines between the markers, continuations joined. */
export function readmeExample(readme: string): string[] {
  const block = /<!-- audit-example: start[^>]*-->\s*```sh\n([\s\S]*?)```\s*<!-- audit-example: end -->/.exec(
    readme,
  )?.[1];
  if (!block) throw new Error('README.md has no audit-example block');
  return block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

function sh(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', command],
      {
        cwd: clone,
        // The Node.js running the tests first on the PATH, as `npm ci && npm test` have it.
        env: {
          ...process.env,
          PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
          npm_config_update_notifier: 'false',
        },
        timeout: 120_000,
        maxBuffer: 8 * 1024 * 1024,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe("the README's audit example", () => {
  it('runs as written on a fresh layout and produces the reports, with the known answers', async () => {
    for (const entry of ['package.json', 'bin', 'src', 'tools', 'catalog', 'node_modules'])
      symlinkSync(join(ROOT, entry), join(clone, entry));
    const commands = readmeExample(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/^npm run synthetic-export -- /);
    expect(commands[1]).toMatch(/^npx vialwise audit /);
    const results = [];
    for (const command of commands) {
      const r = await sh(command);
      results.push(r);
      expect(r.stderr.replace(/^npm (warn|notice).*\n/gm, '')).toBe('');
      expect(r.code).toBe(0);
    }
    for (const f of ['audit.html', 'audit.csv', 'audit.lines.csv', 'audit.json'])
      expect(existsSync(join(clone, f))).toBe(true);
    const answers = JSON.parse(
      readFileSync(join(clone, 'synthetic-export', 'answers.json'), 'utf8'),
    ) as Answers;
    // The example's dates are the export's quarter: everything generated in range is audited.
    expect(commands[1]).toContain(`--since ${answers.range.since} --until ${answers.range.until}`);
    const report = JSON.parse(readFileSync(join(clone, 'audit.json'), 'utf8')) as {
      totals: { encounters: number; recoverableValue: number; gaps: number };
    };
    expect(report.totals.encounters).toBe(answers.totals.encounters);
    expect(report.totals.recoverableValue).toBe(answers.totals.recoverableValue);
    expect(report.totals.gaps).toBe(answers.totals.gaps);
    expect(results[1]?.stdout).toMatch(/RECOVERABLE THIS PERIOD/);
  });
});
