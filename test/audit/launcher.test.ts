/**
 * `npx vialwise` from a clone: package.json's `bin` is a small launcher that runs the Node.js
 * version check of `npm start` (bin/check-node.mjs) before loading any TypeScript (one line with
 * the fix, exit code 2), then the CLI. Run with the machine's /usr/bin/node (Node 20 here) to
 * prove the old-Node path.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../../bin/check-node.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const LAUNCHER = new URL('../../bin/vialwise.mjs', import.meta.url).pathname;
const SYSTEM_NODE = '/usr/bin/node';
const systemVersion = existsSync(SYSTEM_NODE)
  ? execFileSync(SYSTEM_NODE, ['--version'], { encoding: 'utf8' }).trim()
  : '';

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

  it('uses the one version check, worded for the command', () => {
    expect(nodeVersionProblem('22.18.0', 'npx vialwise')).toBeUndefined();
    expect(nodeVersionProblem('20.20.2', 'npx vialwise')).toBe(
      'vialwise needs Node.js 22.18 or later; you have 20.20.2. Install Node 22 (e.g. `nvm install 22`) and run `npx vialwise` again.',
    );
    expect(readFileSync(LAUNCHER, 'utf8')).toContain("requireSupportedNode('npx vialwise')");
  });

  it('runs the command line under this Node.js', async () => {
    const r = await run(process.execPath, ['audit', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--partition <k/n>');
  });

  it.skipIf(!systemVersion || nodeVersionProblem(systemVersion.slice(1), 'npx vialwise') === undefined)(
    `says what to do, in one line with exit code 2, under ${SYSTEM_NODE} (${systemVersion || 'absent'})`,
    async () => {
      const r = await run(SYSTEM_NODE, ['audit', '--help']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `vialwise needs Node.js 22.18 or later; you have ${systemVersion.slice(1)}. Install Node 22 (e.g. \`nvm install 22\`) and run \`npx vialwise\` again.\n`,
      );
    },
  );
});
