/**
 * First run on an old Node.js (issue 15, item 5): `npm start` goes through
 * bin/vialwise-start.mjs, which checks the version before anything TypeScript is loaded and says
 * in one line what to do, exit code 2, instead of ERR_UNKNOWN_FILE_EXTENSION.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { nodeVersionProblem } from '../../bin/check-node.mjs';
import { REPO_ROOT, runToExit, START_ENTRY } from '../logs/child-process.ts';

const run = promisify(execFile);

/** Runs the start entry as if Node.js were `version` (process.versions.node redefined before it loads). */
async function startAs(
  node: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(node, args, {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', EMBEDDED_FHIR_PORT: '0' },
      timeout: 15_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const pretend = (version: string) =>
  `data:text/javascript,Object.defineProperty(process.versions,"node",{value:${JSON.stringify(version)}})`;

describe('which Node.js versions run vialwise', () => {
  test.each([
    ['20.19.2', false],
    ['18.20.8', false],
    ['22.17.1', false],
    ['22.18.0', true],
    ['22.23.3', true],
    ['23.11.0', false],
    ['24.1.0', false],
    ['24.2.0', true],
    ['25.0.0', true],
  ])('%s: %s', (version, ok) => {
    expect(nodeVersionProblem(version, 'npm start') === undefined).toBe(ok);
  });

  test('the line names the version, what is needed and the fix', () => {
    expect(nodeVersionProblem('20.19.2', 'npm start')).toBe(
      'vialwise needs Node.js 22.18 or later; you have 20.19.2. Install Node 22 (e.g. `nvm install 22`) and run `npm start` again.',
    );
    expect(nodeVersionProblem('23.11.0', 'npm start')).toMatch(
      /^vialwise needs Node\.js 22 \(22\.18 or later\) or 24\.2 or later; you have 23\.11\.0\./,
    );
  });
});

describe('npm start', () => {
  test('runs the version check first', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.start).toBe(`node ${START_ENTRY}`);
  });

  test('on Node 20 (simulated): one line with the fix, exit 2, nothing TypeScript loaded', async () => {
    const r = await startAs(process.execPath, ['--import', pretend('20.19.2'), START_ENTRY]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'vialwise needs Node.js 22.18 or later; you have 20.19.2. Install Node 22 (e.g. `nvm install 22`) and run `npm start` again.\n',
    );
  });

  // The machine's own Node when it is too old (Debian's /usr/bin/node is 20 on the build machine).
  const systemNode = '/usr/bin/node';
  const systemVersion = existsSync(systemNode)
    ? execFileSync(systemNode, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim()
    : undefined;
  const tooOld = systemVersion !== undefined && nodeVersionProblem(systemVersion, 'npm start') !== undefined;

  test.skipIf(!tooOld)(`on the machine’s ${systemNode} (${systemVersion ?? 'absent'})`, async () => {
    const r = await startAs(systemNode, [START_ENTRY]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${nodeVersionProblem(systemVersion!, 'npm start')}\n`);
    expect(r.stderr).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION/);
  });

  test('on a supported Node it goes on to the service (which checks the configuration)', async () => {
    const r = await runToExit({ PORT: 'eighty' }, 15_000, START_ENTRY);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vialwise: PORT is invalid/);
  });
});
