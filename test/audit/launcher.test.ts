/**
 * `npx vialwise` from a clone: package.json's `bin` is a small launcher that checks the Node.js
 * version before loading any TypeScript (one line with the fix, exit code 2), then runs the CLI.
 * Run with the machine's /usr/bin/node (Node 20 here) to prove the old-Node path.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs file (it must parse on old Node.js), without type declarations
import { satisfies, versionProblem } from '../../bin/node-check.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const LAUNCHER = new URL('../../bin/vialwise.mjs', import.meta.url).pathname;
const SYSTEM_NODE = '/usr/bin/node';
const systemVersion = existsSync(SYSTEM_NODE)
  ? execFileSync(SYSTEM_NODE, ['--version'], { encoding: 'utf8' }).trim()
  : '';
const check = {
  satisfies: satisfies as (v: string, r?: string) => boolean,
  problem: versionProblem as (v: string, w?: string) => string | undefined,
};

function run(node: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node, [LAUNCHER, ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('the vialwise launcher', () => {
  it('is what package.json installs as the vialwise command, and what npm run vialwise runs', () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as {
      bin: Record<string, string>;
      scripts: Record<string, string>;
      engines: { node: string };
    };
    expect(pkg.bin.vialwise).toBe('./bin/vialwise.mjs');
    expect(pkg.scripts.vialwise).toBe('node bin/vialwise.mjs');
    expect(readFileSync(LAUNCHER, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    // The check and package.json's engines agree.
    expect(pkg.engines.node).toBe('>=22.18.0');
  });

  it('compares versions', () => {
    expect(check.satisfies('v22.18.0')).toBe(true);
    expect(check.satisfies('v22.23.3')).toBe(true);
    expect(check.satisfies('v24.0.0')).toBe(true);
    expect(check.satisfies('v22.17.9')).toBe(false);
    expect(check.satisfies('v20.20.2')).toBe(false);
    expect(check.problem('v22.18.0')).toBeUndefined();
    expect(check.problem('v18.19.1', 'vialwise')).toBe(
      'vialwise needs Node.js 22.18.0 or later, this is v18.19.1: install Node.js 22 (for example `nvm install 22`, or see .nvmrc) and run it again.',
    );
  });

  it('runs the command line under this Node.js', async () => {
    const r = await run(process.execPath, ['audit', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--partition <k/n>');
  });

  it.skipIf(!systemVersion || check.satisfies(systemVersion))(
    `says what to do, in one line with exit code 2, under ${SYSTEM_NODE} (${systemVersion || 'absent'})`,
    async () => {
      const r = await run(SYSTEM_NODE, ['audit', '--help']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `vialwise needs Node.js 22.18.0 or later, this is ${systemVersion}: install Node.js 22 (for example \`nvm install 22\`, or see .nvmrc) and run it again.\n`,
      );
    },
  );
});
