/**
 * A vialwise command line run in this process, through the program the command runs
 * (src/cli/program.ts), with its output and exit code captured instead of the process's: the
 * argument errors and command output that do not need a process of their own. What only a
 * process shows (the Node.js check of bin/, process.exitCode and process.exit, signals) stays
 * tested with child processes.
 */
import { run } from '../../src/cli/program.ts';

export interface InProcessResult {
  /** The exit code the command line would end with. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runInProcess(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  let exited: number | undefined;
  const returned = await run(['node', 'vialwise', ...args], {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: { ...process.env, ...env },
    // process.exit would end the run here: the first code is the one the process would exit with.
    exit: (code) => (exited ??= code),
  });
  return { code: exited ?? returned, stdout, stderr };
}
