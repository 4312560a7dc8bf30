/** Helpers for the audit tests: generated fixtures, the embedded server loaded with them, the CLI as a child process. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { AuditSummary } from '../../src/audit/accumulate.ts';
import { generateExport, type Answers } from '../../tools/synthetic-export/generate.ts';

export const CLI = new URL('../../src/cli/vialwise.ts', import.meta.url).pathname;
export const GENERATOR = new URL('../../tools/synthetic-export.ts', import.meta.url).pathname;

export function tempDir(prefix = 'vialwise-audit-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function generated(
  encounters: number,
  seed: number,
): { dir: string; answers: Answers; prices: string[] } {
  const dir = tempDir('vialwise-audit-fixture-');
  const answers = generateExport({ encounters, outDir: dir, seed });
  return { dir, answers, prices: [join(dir, answers.priceFile)] };
}

/** Every resource of a generated export, PUT onto a FHIR server in batches of `chunk` (a transaction allows 50 updates). */
export async function loadExport(baseUrl: string, dir: string, chunk = 400): Promise<number> {
  const resources: Resource[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ndjson'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n'))
      if (line.trim()) resources.push(JSON.parse(line) as Resource);
  }
  for (let i = 0; i < resources.length; i += chunk) {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: resources
        .slice(i, i + chunk)
        .map((r) => ({ resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id ?? ''}` } })),
    };
    const res = await fetch(baseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(bundle),
    });
    if (!res.ok)
      throw new Error(`loading the export answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    await res.arrayBuffer();
  }
  return resources.length;
}

/** The audit's totals in the shape of answers.json, to compare in one assertion. */
export function totalsLikeAnswers(s: AuditSummary): Record<string, unknown> {
  const t = s.totals;
  return {
    encounters: t.encounters,
    administrations: t.administrations,
    lines: t.lines,
    derivedUnits: t.derivedUnits,
    jwUnits: t.jwUnits,
    derivedValue: t.derivedValue,
    missedJw: t.missedJw,
    underBilled: t.underBilled,
    wrongCode: t.wrongCode,
    missingJzValue: t.missingJzValue,
    overBilled: t.overBilled,
    recoverableValue: t.recoverableValue,
    wrongCodes: t.wrongCodes,
    missingJz: t.missingJz,
    encountersWithNothingPosted: t.encountersWithNothingPosted,
    gaps: t.gaps,
    revenueAtRisk: t.revenueAtRisk,
    gapsByCode: Object.fromEntries(
      [...s.gapsByCode]
        .sort((a, b) => a.code.localeCompare(b.code))
        .map((g) => [g.code, { count: g.count, revenueAtRisk: g.revenueAtRisk }]),
    ),
  };
}

export function expectedTotals(a: Answers): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...a.totals };
  delete rest.administrationsInExport;
  return rest;
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node src/cli/vialwise.ts ...args` as a child process (no terminal: no progress bar). */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  script = CLI,
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** One CSV row's cells (RFC 4180 quoting). */
export function parseCsv(row: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < row.length; i++) {
    const c = row[i] as string;
    if (quoted) {
      if (c === '"' && row[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}
