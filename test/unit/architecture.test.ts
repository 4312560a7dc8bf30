/**
 * The shape the code keeps (README, "Architecture"): imports run down the layers, never up, and no
 * source file grows past 500 lines. A failure names the file and the import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

/**
 * Lower numbers are lower layers. A module may import its own folder and anything of a lower or
 * equal rank in another folder, except that equal-rank folders may not import each other both ways.
 */
const RANK: Record<string, number> = {
  domain: 0,
  catalog: 1,
  rules: 2,
  'config.ts': 3,
  'logger.ts': 3,
  'metrics.ts': 3,
  'server-limits.ts': 3,
  fhir: 4,
  'fhir-server': 4,
  evaluate: 5,
  http: 6,
  ui: 6,
  audit: 6,
  demo: 6,
  cli: 7,
  'bootstrap.ts': 7,
  'preflight.ts': 7,
  'main.ts': 8,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'vendor' ? [] : sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(e.name) ? [path] : [];
  });
}

/** The top folder (or root file) of a path under src/. */
function unitOf(path: string): string {
  return relative(SRC, path).split('/')[0] as string;
}

/** Relative imports of a module: static `import`/`export ... from` and dynamic `import()`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  const found = [
    ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gm),
    ...text.matchAll(/\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g),
  ];
  return found.map((m) => normalize(join(dirname(file), m[1] as string)));
}

const files = sourceFiles(SRC);

describe('architecture', () => {
  it('knows the layer of every folder and root file under src/', () => {
    const unknown = [...new Set(files.map(unitOf))].filter((u) => RANK[u] === undefined);
    expect(unknown).toEqual([]);
  });

  it('no import runs upward (domain <- catalog <- rules <- fhir <- evaluate <- http/ui/audit <- cli)', () => {
    const upward: string[] = [];
    const across = new Set<string>();
    for (const file of files) {
      const from = unitOf(file);
      for (const target of importsOf(file)) {
        if (!target.startsWith(SRC)) continue;
        const to = unitOf(target);
        if (to === from) continue;
        const [a, b] = [RANK[from] ?? -1, RANK[to] ?? 99];
        if (b > a) upward.push(`${relative(ROOT, file)} -> ${relative(ROOT, target)}`);
        if (a === b) across.add(`${from}->${to}`);
      }
    }
    const bothWays = [...across].filter((e) => across.has(e.split('->').reverse().join('->')));
    expect(upward).toEqual([]);
    expect(bothWays).toEqual([]);
  });

  it('domain, catalog and rules import nothing from the I/O layers', () => {
    const pure = files.filter((f) => ['domain', 'rules'].includes(unitOf(f)) || isPureCatalog(f));
    const io = pure.flatMap((f) =>
      importsOf(f)
        .filter((t) => t.startsWith(SRC) && (RANK[unitOf(t)] ?? 99) >= RANK['config.ts']!)
        .map((t) => `${relative(ROOT, f)} -> ${relative(ROOT, t)}`),
    );
    expect(io).toEqual([]);
  });

  it('no source file is over 500 lines', () => {
    const long = [...files, ...sourceFiles(join(ROOT, 'bin')), ...sourceFiles(join(ROOT, 'tools'))]
      .map((f) => ({ f: relative(ROOT, f), lines: readFileSync(f, 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > 500)
      .map(({ f, lines }) => `${f}: ${lines}`);
    expect(long).toEqual([]);
  });

  it('finds imports the way the checks above need (self-test on a known file)', () => {
    const evaluate = join(SRC, 'rules', 'evaluate.ts');
    expect(importsOf(evaluate).some((t) => unitOf(t) === 'domain')).toBe(true);
  });
});

/** The catalog's readers are pure; its importers and loaders read files by design. */
function isPureCatalog(file: string): boolean {
  const rel = relative(join(SRC, 'catalog'), file);
  return unitOf(file) === 'catalog' && !/^(import|build)\/|^load/.test(rel);
}
