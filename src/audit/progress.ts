/**
 * The audit's progress bar (cli-progress on stderr), shown only on an interactive terminal.
 * Off a terminal it draws nothing and `log` writes plain lines, so piped output and CI logs stay
 * clean.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Starts a phase (reading, auditing, downloading) measured in `unit`, out of `total`. */
  phase(name: string, total: number, unit: string): void;
  /** Sets the current value of the phase, with an optional short status. */
  update(value: number, status?: string): void;
  /** A line for stderr that must not tear the bar. */
  log(line: string): void;
  stop(): void;
}

export function interactive(): boolean {
  return Boolean(process.stderr.isTTY && process.stdout.isTTY);
}

export function createProgress(
  enabled: boolean,
  write: (line: string) => void = (l) => process.stderr.write(l),
): Progress {
  if (!enabled) {
    return {
      phase: () => undefined,
      update: () => undefined,
      log: (line) => write(`${line}\n`),
      stop: () => undefined,
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      format: ' {phase} [{bar}] {percentage}% | {value}/{total} {unit} | {duration_formatted} {status}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 8,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  let last = 0;
  return {
    phase(name, total, unit) {
      // The previous phase is over: show it complete before the next bar starts.
      bar?.update(bar.getTotal());
      bar = multi.create(Math.max(total, 1), 0, { phase: name.padEnd(11), unit, status: '' });
    },
    update(value, status) {
      // Thousands of calls a second: hand the bar a value at most a few times a second.
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      bar?.update(value, status === undefined ? {} : { status });
    },
    log(line) {
      multi.log(`${line}\n`);
    },
    stop() {
      bar?.update(bar.getTotal());
      multi.stop();
    },
  };
}
