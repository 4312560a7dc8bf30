/**
 * `vialwise audit ...`: audit posted drug charges against the documentation over a date range
 * (from a FHIR server, a Bulk Data export or NDJSON files), on every core, split across machines
 * with `--partition k/n` and combined with `vialwise audit merge`. Exit codes: docs/audit.md.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { AUDIT_EXIT } from '../audit/errors.ts';
import { parseCalendarDate } from '../audit/range.ts';
import { parseShard } from '../audit/shard.ts';
import type { CliIo } from './output.ts';

function dateOption(value: string): string {
  const date = parseCalendarDate(value);
  if (!date) throw new InvalidArgumentError('expected a calendar date YYYY-MM-DD');
  return date;
}

function count(max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max)
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return Number(value);
  };
}

function partitionOption(value: string): string {
  const s = parseShard(value);
  if (typeof s === 'string') throw new InvalidArgumentError(s);
  return value;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

interface AuditCliOptions {
  since?: string;
  until?: string;
  fhirUrl?: string;
  bulk?: string;
  ndjson?: string;
  html?: string;
  csv?: string;
  json?: string;
  prices: string[];
  write: boolean;
  partition?: string;
  workers?: number;
  downloads?: number;
  restart: boolean;
  workDir?: string;
  progress: boolean;
}

/**
 * The shared `run()` of program.ts maps a finished action to 0 and errors to 1 or 2; the audit
 * also has 3 (server unavailable) and 4 (input lines skipped), so it exits itself when not 0
 * (`io.exit`: process.exit on the command line). stdout and stderr are synchronous for files,
 * pipes and terminals on Linux: nothing is lost.
 */
function exitWith(io: CliIo, code: number): void {
  if (code !== AUDIT_EXIT.ok) io.exit(code);
}

const EXIT_CODES =
  '\nExit codes: 0 done; 1 failed; 2 wrong arguments or configuration; 3 FHIR server unreachable;\n' +
  '4 reports written, but some input lines could not be read (named on stderr).';

/** Registers `audit` and `audit merge` on the program. */
export function registerAuditCommands(program: Command, io: CliIo): Command {
  const audit = program
    .command('audit')
    .description(
      'compare what the documentation supports with what was posted, over a date range:\n' +
        'recoverable value (missed JW, under-billed units, wrong codes, missing JZ), over-billing, open gaps',
    )
    .option('--since <date>', 'first date of service audited (YYYY-MM-DD)', dateOption)
    .option('--until <date>', 'last date of service audited, inclusive (YYYY-MM-DD)', dateOption)
    .option('--fhir-url <url>', 'source: FHIR server base URL, searched (auth: FHIR_AUTH and friends)')
    .option('--bulk <url>', 'source: FHIR server base URL (or a $export URL) for a Bulk Data export')
    .option('--ndjson <dir>', 'source: folder of NDJSON files from an earlier export')
    .option('--html <file>', 'write the HTML report (self-contained, opens offline)')
    .option('--csv <file>', 'write one CSV row per encounter, and one per line to <file>.lines.csv')
    .option('--json <file>', 'write totals and one JSON record per encounter (what merge reads)')
    .option('--prices <file>', 'add a price file (catalog prices.json format); repeatable', collect, [])
    .option(
      '--write',
      'also draft Claims and DetectedIssues on the server, as the service does (--fhir-url only)',
      false,
    )
    .option(
      '--partition <k/n>',
      'audit shard k of n (0 <= k < n) by patient; default from JOB_COMPLETION_INDEX / JOB_COMPLETIONS',
      partitionOption,
    )
    .option('--workers <n>', 'worker threads (default: one per core)', count(64))
    .option('--downloads <n>', 'Bulk Data files downloaded at once (default 4)', count(32))
    .option(
      '--work-dir <dir>',
      'where the partitions, downloads and checkpoint go (default: the system temp folder)',
    )
    .option(
      '--restart',
      'discard the checkpoint of an interrupted run of the same command and start over',
      false,
    )
    .option('--no-progress', 'no progress bar (it only shows on a terminal anyway)')
    .enablePositionalOptions()
    .addHelpText('after', EXIT_CODES)
    .action(async (options: AuditCliOptions) => {
      if (!options.since || !options.until) {
        audit.error('audit needs --since YYYY-MM-DD and --until YYYY-MM-DD', { exitCode: AUDIT_EXIT.usage });
      }
      const { runAudit } = await import('../audit/run.ts');
      const result = await runAudit({
        since: options.since as string,
        until: options.until as string,
        ...(options.fhirUrl !== undefined ? { fhirUrl: options.fhirUrl } : {}),
        ...(options.bulk !== undefined ? { bulkUrl: options.bulk } : {}),
        ...(options.ndjson !== undefined ? { ndjsonDir: options.ndjson } : {}),
        ...(options.html !== undefined ? { html: options.html } : {}),
        ...(options.csv !== undefined ? { csv: options.csv } : {}),
        ...(options.json !== undefined ? { json: options.json } : {}),
        ...(options.workDir !== undefined ? { workDir: options.workDir } : {}),
        ...(options.partition !== undefined ? { partition: options.partition } : {}),
        ...(options.workers !== undefined ? { workers: options.workers } : {}),
        ...(options.downloads !== undefined ? { downloads: options.downloads } : {}),
        priceFiles: options.prices,
        write: options.write,
        restart: options.restart,
        progress: options.progress,
        env: io.env,
        stdout: io.stdout,
        stderr: io.stderr,
      });
      exitWith(io, result.exitCode);
    });

  audit
    .command('merge')
    .description("combine the shards' JSON reports (--partition k/n) into the reports of the whole run")
    .argument('<shard.json...>', 'the JSON report of every shard, 0/n to n-1/n, in any order')
    .option('--html <file>', 'write the HTML report')
    .option('--csv <file>', 'write the per-encounter CSV, and the line-level CSV beside it')
    .option('--json <file>', 'write the JSON report')
    .addHelpText('after', EXIT_CODES)
    .action(async (shards: string[], options: { html?: string; csv?: string; json?: string }) => {
      const { runMerge } = await import('../audit/merge.ts');
      exitWith(
        io,
        await runMerge({
          shards,
          ...(options.html !== undefined ? { html: options.html } : {}),
          ...(options.csv !== undefined ? { csv: options.csv } : {}),
          ...(options.json !== undefined ? { json: options.json } : {}),
          stdout: io.stdout,
          stderr: io.stderr,
        }),
      );
    });

  audit
    .command('generate', { hidden: true })
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      audit.error(
        'the synthetic-export generator is a development tool now: npm run synthetic-export -- --encounters N --out DIR',
        { exitCode: AUDIT_EXIT.usage },
      );
    });

  return audit;
}
