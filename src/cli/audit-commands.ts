/**
 * `vialwise audit ...`: audit posted drug charges against the documentation over a date range
 * (from a FHIR server, a Bulk Data export or NDJSON files), and generate synthetic exports with
 * known answers. Exit codes: docs/audit.md.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { AUDIT_EXIT } from '../audit/errors.ts';
import { generateExport, PRICE_FILE } from '../audit/generate.ts';
import { parseCalendarDate } from '../audit/range.ts';
import { runAudit } from '../audit/run.ts';
import { say } from './output.ts';

function dateOption(value: string): string {
  const date = parseCalendarDate(value);
  if (!date) throw new InvalidArgumentError('expected a calendar date YYYY-MM-DD');
  return date;
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 100_000_000) {
    throw new InvalidArgumentError('expected a whole number from 1 to 100,000,000');
  }
  return Number(value);
}

function integer(value: string): number {
  if (!/^-?\d{1,9}$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
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
  workDir?: string;
  progress: boolean;
}

/**
 * The shared `run()` of vialwise.ts maps a finished action to 0 and errors to 1 or 2; the audit
 * also has 3 (server unavailable) and 4 (input lines skipped), so it exits itself when not 0.
 * stdout and stderr are synchronous for files, pipes and terminals on Linux: nothing is lost.
 */
function exitWith(code: number): void {
  if (code !== AUDIT_EXIT.ok) process.exit(code);
}

/** Registers `audit` and `audit generate` on the program. */
export function registerAuditCommands(program: Command): Command {
  const audit = program
    .command('audit')
    .description(
      'compare what the documentation supports with what was posted, over a date range:\n' +
        'missed JW, under- and over-billed units, wrong codes, missing JZ, open gaps',
    )
    .option('--since <date>', 'first date of service audited (YYYY-MM-DD)', dateOption)
    .option('--until <date>', 'last date of service audited, inclusive (YYYY-MM-DD)', dateOption)
    .option('--fhir-url <url>', 'source: FHIR server base URL, searched (auth: FHIR_AUTH and friends)')
    .option('--bulk <url>', 'source: FHIR server base URL (or a $export URL) for a Bulk Data export')
    .option('--ndjson <dir>', 'source: folder of NDJSON files from an earlier export')
    .option('--html <file>', 'write the HTML report (self-contained, opens offline)')
    .option('--csv <file>', 'write one CSV row per encounter')
    .option('--json <file>', 'write totals and one JSON object per encounter')
    .option('--prices <file>', 'add a price file (catalog prices.json format); repeatable', collect, [])
    .option(
      '--write',
      'also draft Claims and DetectedIssues on the server, as the service does (--fhir-url only)',
      false,
    )
    .option(
      '--work-dir <dir>',
      'where temporary partitions and downloads go (default: the system temp folder)',
    )
    .option('--no-progress', 'no progress bar (it only shows on a terminal anyway)')
    .addHelpText(
      'after',
      '\nExit codes: 0 done; 1 failed; 2 wrong arguments or configuration; 3 FHIR server unreachable;\n' +
        '4 reports written, but some input lines could not be read (named on stderr).',
    )
    .action(async (options: AuditCliOptions) => {
      if (!options.since || !options.until) {
        audit.error('audit needs --since YYYY-MM-DD and --until YYYY-MM-DD', { exitCode: AUDIT_EXIT.usage });
      }
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
        priceFiles: options.prices,
        write: options.write,
        progress: options.progress,
      });
      exitWith(result.exitCode);
    });

  audit
    .command('generate')
    .description('write a SYNTHETIC NDJSON export of N encounters with known audit answers (answers.json)')
    .requiredOption('--encounters <n>', 'how many encounters', positiveInt)
    .requiredOption('--out <dir>', 'folder to write (created if missing)')
    .option('--seed <s>', 'random seed (same seed, same export)', integer, 1)
    .action((options: { encounters: number; out: string; seed: number }) => {
      const out = resolve(options.out);
      const answers = generateExport({ encounters: options.encounters, outDir: out, seed: options.seed });
      const t = answers.totals;
      say(
        `wrote ${answers.encounters.toLocaleString('en-US')} synthetic encounters ` +
          `(${t.administrationsInExport.toLocaleString('en-US')} administrations) to ${out}, with answers.json\n` +
          `audit it with:\n  vialwise audit --ndjson ${out} --since ${answers.range.since} --until ${answers.range.until} ` +
          `--prices ${resolve(out, PRICE_FILE)}`,
      );
    });

  return audit;
}
