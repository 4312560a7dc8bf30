/**
 * Runs `node src/main.ts` as a child process, the way a container or a process manager does, and
 * keeps everything it writes: for the configuration, lifecycle, log-canary and container tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface MainProcess {
  readonly proc: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match in stdout (checked as output arrives), or rejects on exit or timeout. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<Exit>;
  /** Sends SIGTERM (unless already gone) and waits for the exit; SIGKILL after `graceMs`. */
  terminate(graceMs?: number): Promise<Exit>;
}

/** What `npm start` runs: the Node version check, then src/main.ts. */
export const START_ENTRY = 'bin/vialwise-start.mjs';

/**
 * Starts `node src/main.ts` (or another `entry`, e.g. START_ENTRY) in `cwd` (the repository by
 * default) with only the given environment plus PATH and HOME, so nothing from the test runner's
 * environment leaks in.
 */
export function startMain(
  env: Record<string, string>,
  cwd: string = REPO_ROOT,
  entry: string = 'src/main.ts',
): MainProcess {
  const proc = spawn(process.execPath, [entry], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    notify();
  });
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    notify();
  });
  const exited = new Promise<Exit>((resolve) => {
    // 'close' fires after the output streams are drained, so stdout() is complete by then.
    proc.on('close', (code, signal) => {
      resolve({ code, signal });
      notify();
    });
  });
  let gone = false;
  void exited.then(() => (gone = true));

  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no ${String(pattern)} in the output within ${timeoutMs} ms\nstdout: ${out.slice(-2000)}\nstderr: ${err.slice(-2000)}`,
            ),
          );
        }, timeoutMs);
        const check = () => {
          const m = pattern.exec(out);
          if (m || gone) {
            clearTimeout(timer);
            waiters.delete(check);
            if (m) resolve(m);
            else
              reject(
                new Error(
                  `exited before ${String(pattern)}\nstdout: ${out.slice(-2000)}\nstderr: ${err.slice(-2000)}`,
                ),
              );
          }
        };
        waiters.add(check);
        check();
      });
    },
    async terminate(graceMs = 15_000) {
      if (!gone) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

/** Starts the service and waits for `vialwise listening at <url>` (PORT=0 picks a free port). */
export async function startService(
  env: Record<string, string>,
  cwd?: string,
): Promise<{ main: MainProcess; url: string }> {
  const main = startMain({ PORT: '0', ...env }, cwd);
  try {
    const m = await main.waitForOutput(/vialwise listening at (http:\/\/\S+)/);
    return { main, url: m[1]! };
  } catch (err) {
    await main.terminate();
    throw err;
  }
}

/** Runs `node src/main.ts` (or `entry`) until it exits on its own (configuration errors). */
export async function runToExit(
  env: Record<string, string>,
  timeoutMs = 15_000,
  entry?: string,
): Promise<Exit & { stdout: string; stderr: string }> {
  const main = startMain(env, REPO_ROOT, entry);
  const timer = setTimeout(() => main.proc.kill('SIGKILL'), timeoutMs);
  const exit = await main.exited;
  clearTimeout(timer);
  return { ...exit, stdout: main.stdout(), stderr: main.stderr() };
}

/** The JSON log lines of an output (other lines, such as the startup banner, are skipped). */
export function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
