/**
 * Where a command writes and how it ends: the process's own streams, environment and exit, or a
 * test's (which runs the same command code in its own process and reads what it wrote).
 */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Ends the run with a code other than 0 (the audit's codes; docs/audit.md). */
  readonly exit: (code: number) => void;
}

export const PROCESS_IO: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  exit: (code) => process.exit(code),
};

/** A line of command output for the user, on stdout (logs go through the logger). */
export function say(io: CliIo, text: string): void {
  io.stdout(`${text}\n`);
}
