/**
 * The container image, without a Docker engine: the Dockerfile's structure (a pinned Node 22
 * slim base, multi-stage, production dependencies only, a non-root user, a HEALTHCHECK on
 * /healthz, EXPOSE, the start command), the .dockerignore, and that the image's start command
 * works from a clean `npm ci --omit=dev` install of exactly the files the Dockerfile copies:
 * no runtime import needs a devDependency or a file the image does not hold.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { goldenBundle } from '../support/notify.ts';
import { REPO_ROOT, startMain, type MainProcess } from '../logs/child-process.ts';

const run = promisify(execFile);

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  /** Index of the build stage (0 for the first FROM). */
  readonly stage: number;
}

/** Dockerfile instructions, with comments dropped and `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const out: Instruction[] = [];
  let stage = -1;
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*?)\s*$/.exec(line);
    if (!m) continue;
    const keyword = m[1]!.toUpperCase();
    if (keyword === 'FROM') stage++;
    out.push({ keyword, args: m[2]!.replace(/\s+/g, ' '), stage });
  }
  return out;
}

/** .dockerignore semantics: `*`, `**`, `?`, `!` exceptions, last match wins, a directory excludes its contents. */
function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      const source = pattern
        .split('/')
        .map((seg) =>
          seg === '**'
            ? '.*'
            : seg
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\.\*\//g, '(?:.*/)?');
      return { negate, re: new RegExp(`^${source}(?:/.*)?$`) };
    });
  return (path) => {
    let excluded = false;
    for (const r of rules) if (r.re.test(path)) excluded = !r.negate;
    return excluded;
  };
}

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(dockerfile);
const ignoreText = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8');
const ignored = dockerignore(ignoreText);
const finalStage = Math.max(...instructions.map((i) => i.stage));
const inFinal = (keyword: string) =>
  instructions.filter((i) => i.stage === finalStage && i.keyword === keyword);

describe('Dockerfile structure', () => {
  test('multi-stage, every stage on the same pinned Node 22 (>= 22.18) Debian slim image', () => {
    const froms = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const images = froms.map((f) => f.split(' ')[0]!);
    for (const image of images) {
      const m = /^node:22\.(\d+)\.(\d+)-(bookworm|trixie)-slim(@sha256:[0-9a-f]{64})?$/.exec(image);
      expect(m, `${image} must pin node:22.<minor>.<patch>-<debian>-slim`).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(18);
    }
    expect(new Set(images).size).toBe(1);
    const nvmrc = readFileSync(join(REPO_ROOT, '.nvmrc'), 'utf8').trim();
    expect(images[0]!.startsWith(`node:${nvmrc.split('.')[0]!}.`)).toBe(true);
  });

  test('production dependencies only, from the lock file', () => {
    const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    const ci = runs.find((r) => /\bnpm ci\b/.test(r));
    expect(ci).toMatch(/--omit=dev\b/);
    expect(runs.join(' ')).not.toMatch(/\bnpm (install|i)\b/);
    const copies = instructions
      .filter((i) => i.keyword === 'COPY' && i.stage < finalStage)
      .map((i) => i.args);
    expect(copies.join(' ')).toContain('package-lock.json');
  });

  test('the final stage runs as a non-root user, exposes 8080, has a HEALTHCHECK on /healthz and the start command', () => {
    const user = inFinal('USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const order = instructions.filter((i) => i.stage === finalStage).map((i) => i.keyword);
    expect(order.lastIndexOf('USER')).toBeLessThan(order.lastIndexOf('CMD'));
    expect(
      inFinal('EXPOSE')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/\b8080\b/);
    const health = inFinal('HEALTHCHECK').at(-1)?.args ?? '';
    expect(health).toMatch(/\/healthz/);
    expect(health).toMatch(/CMD \["node", "-e",/);
    expect(health).not.toMatch(/\b(curl|wget)\b/);
    expect(JSON.parse(inFinal('CMD').at(-1)!.args)).toEqual(['node', 'src/main.ts']);
    // The final image holds the production node_modules of the deps stage, never the host's.
    expect(inFinal('COPY').map((i) => i.args)).toContainEqual(
      expect.stringMatching(/^--from=\w+ \/app\/node_modules /),
    );
    expect(inFinal('COPY').map((i) => i.args)).not.toContainEqual(expect.stringMatching(/^\. /));
  });

  test('the service listens on all interfaces; the embedded FHIR server (no authentication) stays on loopback', () => {
    const env = new Map<string, string>();
    for (const i of inFinal('ENV')) {
      for (const m of i.args.matchAll(/([A-Z_]+)=(\S+)/g)) env.set(m[1]!, m[2]!);
    }
    expect(env.get('HOST')).toBe('0.0.0.0');
    // Unset means 127.0.0.1; an operator opts in with -e EMBEDDED_FHIR_HOST=0.0.0.0.
    expect(env.get('EMBEDDED_FHIR_HOST') ?? '127.0.0.1').toMatch(/^127\./);
    const exposed = inFinal('EXPOSE')
      .map((i) => i.args)
      .join(' ');
    expect(exposed).not.toMatch(/\b8103\b/);
  });

  test('no secret is baked into the image', () => {
    const envs = instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG').map((i) => i.args);
    expect(envs.join(' ')).not.toMatch(/SECRET|PRIVATE_KEY|TOKEN|PASSWORD/i);
  });

  test('.dockerignore keeps dependencies, VCS data, tests and local secrets out, and what the image needs in', () => {
    for (const p of [
      'node_modules',
      'node_modules/pino/package.json',
      '.git/HEAD',
      'test/golden/golden.test.ts',
      '.env',
      '.env.local',
      'coverage/x',
      'README.md',
      'fhir-profiles/.fhir-home/x',
    ]) {
      expect(ignored(p), p).toBe(true);
    }
    for (const p of [
      'package.json',
      'package-lock.json',
      'src/main.ts',
      'catalog/codes.json',
      'demo/prices-illustrative.json',
      'fhir-profiles/fsh-generated/resources/CodeSystem-documentation-gap.json',
    ]) {
      expect(ignored(p), p).toBe(false);
    }
  });
});

describe('the image start command from a clean production install', () => {
  let root: string;
  let installed = false;

  /**
   * Copies a COPY source from the repository to where it lands (a file to `dest`, a directory's
   * contents into `dest`), skipping what .dockerignore excludes.
   */
  function copyFromContext(source: string, dest: string): number {
    let files = 0;
    const visit = (rel: string) => {
      if (ignored(rel)) return;
      const abs = join(REPO_ROOT, rel);
      if (statSync(abs).isDirectory()) {
        for (const entry of readdirSync(abs)) visit(rel ? `${rel}/${entry}` : entry);
        return;
      }
      const target = join(dest, relative(source, rel));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(abs, target);
      files++;
    };
    visit(source);
    return files;
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'vialwise-image-'));
    // Module resolution must not find the repository's node_modules above the copy.
    for (let d = root; d !== dirname(d); d = dirname(d))
      expect(existsSync(join(dirname(d), 'node_modules'))).toBe(false);
    const workdir = '/app';
    for (const copy of instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from='))) {
      const parts = copy.args.split(' ').filter((p) => !p.startsWith('--'));
      const dest = parts.pop()!;
      const destDir = join(root, relative(workdir, dest.startsWith('/') ? dest : join(workdir, dest)));
      for (const raw of parts) {
        const source = raw.replace(/\/$/, '');
        const isDir = statSync(join(REPO_ROOT, source)).isDirectory();
        const into =
          !isDir && (parts.length > 1 || dest.endsWith('/')) ? join(destDir, basename(source)) : destDir;
        expect(copyFromContext(source, into), `COPY ${raw}`).toBeGreaterThan(0);
      }
    }
    // The install the deps stage runs, preferring the local npm cache.
    const ci = instructions
      .find((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args))!
      .args.split('&&')[0]!
      .trim()
      .split(' ');
    expect(ci.slice(0, 2)).toEqual(['npm', 'ci']);
    await run('npm', [...ci.slice(1), '--prefer-offline'], {
      cwd: root,
      timeout: 120_000,
      env: { ...process.env, NODE_ENV: 'production' },
    });
    // The final stage's other RUN steps (the R4 definitions' reduced copy), as root would.
    for (const step of instructions.filter(
      (i) => i.keyword === 'RUN' && i.stage === finalStage && !/\bnpm ci\b/.test(i.args),
    )) {
      const [command, ...args] = step.args.match(/"[^"]*"|\S+/g)!.map((a) => a.replace(/^"(.*)"$/, '$1'));
      await run(command!, args, { cwd: root, timeout: 60_000, env: { PATH: process.env.PATH ?? '' } });
    }
    installed = true;
  }, 150_000);

  afterAll(async () => {
    // Stopped by the last test; here when it did not run.
    await demo?.then(
      (d) => d.main.terminate(),
      () => undefined,
    );
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('only production dependencies are installed, and nothing the image does not copy is there', () => {
    expect(installed).toBe(true);
    const modules = readdirSync(join(root, 'node_modules'));
    for (const dev of ['vitest', 'typescript', 'eslint', 'prettier', 'nock', 'fsh-sushi', 'playwright-core'])
      expect(modules).not.toContain(dev);
    for (const prod of ['express', 'pino', 'jose', 'zod']) expect(modules).toContain(prod);
    // Written at build time, as root: the service user only reads them.
    const cache = join(root, 'node_modules', '.cache', 'vialwise');
    expect(existsSync(join(cache, 'r4-structure-definitions.json'))).toBe(true);
    const validated = JSON.parse(readFileSync(join(cache, 'validated-catalog.json'), 'utf8')) as {
      files: string[];
    };
    expect(validated.files.map((f) => f.split(' ')[0])).toEqual(['codes', 'products', 'families', 'curated']);
    expect(readdirSync(root).sort()).toEqual([
      'catalog',
      'demo',
      'fhir-profiles',
      'node_modules',
      'package-lock.json',
      'package.json',
      'src',
    ]);
  });

  // The image's default command (`node src/main.ts`, the embedded demo), started once from the
  // image files for the two tests below: the first reads its summary, the second checks what it
  // answers, stops it and checks how it stopped.
  let demo: Promise<{ main: MainProcess; url: string; port: string }> | undefined;
  const startDemo = () =>
    (demo ??= (async () => {
      const main = startMain({ PORT: '0', EMBEDDED_FHIR_PORT: '0' }, root);
      try {
        const m = await main.waitForOutput(
          /Open the worklist: (http:\/\/localhost:(\d+))\/[\s\S]*Ctrl-C stops both/,
          // A deadline, not a timing: the demo's start ran past 30 s at load 9 to 12.
          60_000,
        );
        return { main, url: m[1]!, port: m[2]! };
      } catch (err) {
        await main.terminate();
        throw err;
      }
    })());

  test('the default command (embedded demo) runs from the image files and prints its summary', async () => {
    const { main } = await startDemo();
    // The demo is priced with the CMS payment limits (catalog/), none illustrative.
    expect(main.stdout()).not.toMatch(/ILLUSTRATIVE/);
  });

  test('node src/main.ts starts (embedded mode), answers /healthz, /readyz and a dry run; the HEALTHCHECK command passes, then fails once stopped', async () => {
    const { main, url, port } = await startDemo();
    const health = JSON.parse(
      inFinal('HEALTHCHECK')
        .at(-1)!
        .args.replace(/^.*?CMD /, ''),
    ) as string[];
    const check = () =>
      run(health[0]!, health.slice(1), { env: { PATH: process.env.PATH ?? '', PORT: port } }).then(
        () => 0,
        (e: { code?: number }) => e.code ?? -1,
      );
    try {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const res = await fetch(`${url}/api/evaluate`, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json' },
        body: JSON.stringify(goldenBundle('01-ed-asthma-methylpred-125-jz')),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { evaluation: { lines: unknown[] } }).evaluation.lines).toHaveLength(1);
      expect(await check()).toBe(0);
    } finally {
      expect(await main.terminate()).toEqual({ code: 0, signal: null });
    }
    expect(await check()).toBe(1);
    expect(main.stderr()).toBe('');
  });
});
