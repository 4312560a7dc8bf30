/**
 * Process lifecycle of `node src/main.ts` (README, "What `npm start` does"): SIGTERM stops accepting,
 * lets an in-flight evaluation finish and write, flushes the logs and exits 0; a configuration
 * that cannot work (a port in use, an address not of this machine, a catalog or payer rules file
 * that is missing or broken) exits 2 with one line naming the variable and the cause (issue 15).
 * The first run (`npm start`): the summary says where to open the worklist, with one host name,
 * gap names in words, and the same line count as the dashboard.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Claim } from '@medplum/fhirtypes';
import { afterAll, describe, expect, test } from 'vitest';
import { startEmbeddedFhirServer } from '../../src/fhir-server/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { prepareStart, startFailure } from '../../src/preflight.ts';
import { claimLines, goldenExpected, goldenResource, sign, sortLines } from '../support/notify.ts';
import { eventually, fhir, freePort, goldenAsTransaction, searchResources } from '../support/service.ts';
import { startFhirProxy } from '../security/fake-servers.ts';
import { startFailureInProcess } from '../support-proc/start.ts';
import { logLines, runToExit, START_ENTRY, startMain, startService } from './child-process.ts';

const C01 = '01-ed-asthma-methylpred-125-jz';
const CLAIM_OF_01 = 'Claim?identifier=https://vialwise.dev/fhir/sid/claim-draft|Encounter/enc-golden-01';
const dir = mkdtempSync(join(tmpdir(), 'vialwise-lifecycle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Resolves true when a TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

const portOf = (url: string) => Number(new URL(url).port);

/** Awaits `promise`, failing with the step's name if it takes longer than `ms`. */
async function step<T>(name: string, promise: Promise<T>, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`step "${name}" took more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('graceful shutdown', () => {
  test('the reader of its stdout goes away: the service starts and answers all the same, and SIGTERM stops it', async () => {
    // As when a log shipper dies or the output is piped through `head`: every write to stdout
    // fails with EPIPE, from the first log line and the "listening" line on.
    const port = await freePort();
    const main = startMain({
      PORT: String(port),
      EMBEDDED_FHIR_PORT: '0',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'debug',
    });
    main.proc.stdout?.destroy();
    try {
      const healthy = await eventually(async () => {
        const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        return r?.status === 200 ? true : undefined;
      }, 30_000);
      expect(healthy).toBe(true);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      expect(await main.terminate(8_000)).toEqual({ code: 0, signal: null });
    }
    expect(main.stderr()).toBe('');
  });

  test('embedded mode: evaluates what the FHIR server delivers, then SIGTERM stops both servers, flushes, exits 0', async () => {
    const { main, url } = await startService({
      EMBEDDED_FHIR_PORT: '0',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'info',
    });
    try {
      const fhirPort = (await main.waitForOutput(/"event":"fhir-server.listening"[^\n]*"port":(\d+)/))[1];
      await main.waitForOutput(/"event":"registered"/);
      const base = `http://127.0.0.1:${fhirPort}/fhir/R4`;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      // Written on the embedded server: its subscription delivers to /notify, which evaluates.
      expect((await fhir(base, 'POST', '', goldenAsTransaction(C01))).status).toBe(200);
      const claim = await eventually(
        async () => (await searchResources<Claim>(base, CLAIM_OF_01))[0],
        10_000,
      );
      expect(claimLines(claim)).toEqual(sortLines(goldenExpected(C01).lines));
    } finally {
      const exit = await main.terminate();
      expect(exit).toEqual({ code: 0, signal: null });
    }
    const lines = logLines(main.stdout());
    const events = lines.map((l) => l.event);
    expect(events).toContain('evaluated');
    // Flushed: after the shutdown only work already under way finishes, and the embedded
    // server's stop is the last line written.
    const after = events.slice(events.indexOf('shutdown') + 1);
    expect(events).toContain('shutdown');
    expect(after.at(-1)).toBe('fhir-server.stopped');
    expect(new Set(after)).toEqual(
      new Set(after.filter((e) => e === 'evaluated' || e === 'http' || e === 'fhir-server.stopped')),
    );
    expect(main.stderr()).toBe('');
    expect(await refused(portOf(url))).toBe(true);
  });

  test('SIGTERM during an evaluation: stops accepting, finishes and writes it, answers it, then exits 0', async () => {
    const fhirServer = await startEmbeddedFhirServer({ port: 0, logger: silentLogger });
    const proxy = await startFhirProxy(fhirServer.baseUrl);
    try {
      // The data exists before the service starts, so no notification races the request below.
      expect((await fhir(fhirServer.baseUrl, 'POST', '', goldenAsTransaction(C01))).status).toBe(200);
      const apiToken = 'lifecycle-api-token-0123456789abcdef';
      const { main, url } = await startService({
        FHIR_BASE_URL: proxy.base,
        WEBHOOK_SECRET: 'lifecycle-secret-0123456789abcdef',
        API_TOKEN: apiToken,
        LOG_LEVEL: 'info',
      });
      try {
        await main.waitForOutput(/"event":"registered"/);
        proxy.mode = 'hold';
        // Settled at once into a value, so a failure is asserted below rather than unhandled.
        const inFlight = fetch(`${url}/api/encounters/enc-golden-01/evaluate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiToken}` },
        }).then(
          async (r) => ({ status: r.status, body: (await r.json()) as { claim: Claim } }),
          (e: unknown) => ({ status: 0, body: undefined, error: e }),
        );
        await step(
          'the read is held',
          eventually(() => Promise.resolve(proxy.held > 0 ? true : undefined), 5_000),
        );

        main.proc.kill('SIGTERM');
        await step('shutdown logged', main.waitForOutput(/"event":"shutdown"/));
        // No longer accepting: new connections are refused (as soon as the child has run past the
        // line it just logged) while the evaluation is pending.
        await step(
          'connections refused',
          eventually(async () => ((await refused(portOf(url))) ? true : undefined), 3_000),
        );
        await new Promise((r) => setTimeout(r, 200));
        expect(main.proc.exitCode).toBeNull();
        expect(await searchResources(fhirServer.baseUrl, CLAIM_OF_01)).toEqual([]);

        proxy.mode = 'up';
        proxy.release();
        const res = await step('the in-flight answer', inFlight);
        expect(res.status, String((res as { error?: unknown }).error)).toBe(200);
        expect(claimLines(res.body!.claim)).toEqual(sortLines(goldenExpected(C01).lines));
        expect(await step('the exit', main.exited)).toEqual({ code: 0, signal: null });
        // Written after the SIGTERM, before the exit.
        expect(await searchResources(fhirServer.baseUrl, CLAIM_OF_01)).toHaveLength(1);
        const lines = logLines(main.stdout());
        const shutdownAt = lines.findIndex((l) => l.event === 'shutdown');
        const after = lines.slice(shutdownAt + 1);
        expect(after.some((l) => l.event === 'evaluated' && l.encounter === 'enc-golden-01')).toBe(true);
        expect(
          after.some(
            (l) => l.event === 'http' && l.route === '/api/encounters/:id/evaluate' && l.status === 200,
          ),
        ).toBe(true);
        expect(main.stderr()).toBe('');
      } finally {
        proxy.mode = 'up';
        proxy.release();
        await main.terminate(5_000);
      }
    } finally {
      await proxy.close();
      await fhirServer.stop();
    }
  });

  // stop() waits for requests in flight, not only for evaluations already running: a Coverage
  // notification still searching the patient's visits is answered before the exit.
  test('SIGTERM while a notification is still finding its Encounters: it is answered before the exit', async () => {
    const fhirServer = await startEmbeddedFhirServer({ port: 0, logger: silentLogger });
    const proxy = await startFhirProxy(fhirServer.baseUrl);
    const secret = 'lifecycle-secret-0123456789abcdef';
    try {
      expect((await fhir(fhirServer.baseUrl, 'POST', '', goldenAsTransaction(C01))).status).toBe(200);
      const { main, url } = await startService({
        FHIR_BASE_URL: proxy.base,
        WEBHOOK_SECRET: secret,
        LOG_LEVEL: 'info',
      });
      try {
        await main.waitForOutput(/"event":"registered"/);
        const coverage = JSON.stringify(goldenResource(C01, 'Coverage'));
        proxy.mode = 'hold';
        const inFlight = fetch(`${url}/notify`, {
          method: 'POST',
          body: coverage,
          headers: { 'content-type': 'application/fhir+json', 'x-signature': sign(coverage, secret) },
        }).then(
          (r) => r.status,
          () => 0,
        );
        await eventually(() => Promise.resolve(proxy.held > 0 ? true : undefined), 5_000);
        main.proc.kill('SIGTERM');
        await main.waitForOutput(/"event":"shutdown"/);
        await new Promise((r) => setTimeout(r, 200));
        proxy.mode = 'up';
        proxy.release();
        expect(await inFlight).toBe(200);
        expect(await main.exited).toEqual({ code: 0, signal: null });
        expect(await searchResources(fhirServer.baseUrl, CLAIM_OF_01)).toHaveLength(1);
      } finally {
        proxy.mode = 'up';
        proxy.release();
        await main.terminate(5_000);
      }
    } finally {
      await proxy.close();
      await fhirServer.stop();
    }
  });
});

describe('configuration errors at start: exit 2, one line naming the variable and the cause', () => {
  let busy: Promise<{ server: Server; port: number }> | undefined;

  afterAll(async () => {
    const b = await busy;
    await new Promise<void>((r) => (b ? b.server.close(() => r()) : r()));
  });

  /** A port held by another listener (on all interfaces, as the service and a container bind). */
  async function occupyPort(): Promise<number> {
    busy ??= new Promise((resolve) => {
      const server = createServer();
      server.listen(0, () => resolve({ server, port: (server.address() as { port: number }).port }));
    });
    return (await busy).port;
  }

  const badCatalog = () => {
    const d = join(dir, 'bad-catalog');
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d);
    writeFileSync(join(d, 'codes.json'), '{"codes": [');
    // Present, so that the broken codes.json is what is reported.
    for (const f of ['products.json', 'families.json', 'curated.json']) writeFileSync(join(d, f), '{}');
    return d;
  };

  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const emptyCatalog = () => {
    const d = join(dir, 'empty-catalog');
    mkdirSync(d, { recursive: true });
    return d;
  };
  const ports = { PORT: '0', EMBEDDED_FHIR_PORT: '0' };

  const cases: [string, () => Promise<Record<string, string>>, (env: Record<string, string>) => RegExp][] = [
    [
      'PORT already in use',
      async () => ({ PORT: String(await occupyPort()), EMBEDDED_FHIR_PORT: '0' }),
      (env) => new RegExp(`^vialwise: PORT ${env.PORT} is already in use: set PORT to a free port$`),
    ],
    [
      'EMBEDDED_FHIR_PORT already in use',
      async () => ({ PORT: '0', EMBEDDED_FHIR_PORT: String(await occupyPort()) }),
      (env) =>
        new RegExp(
          `^vialwise: EMBEDDED_FHIR_PORT ${env.EMBEDDED_FHIR_PORT} is already in use: set EMBEDDED_FHIR_PORT to a free port$`,
        ),
    ],
    [
      'HOST is not an address of this machine',
      () => Promise.resolve({ ...ports, HOST: '203.0.113.7' }),
      () => /^vialwise: HOST 203\.0\.113\.7 is not an address of this machine/,
    ],
    [
      'CATALOG_DIR does not exist',
      () => Promise.resolve({ ...ports, CATALOG_DIR: join(dir, 'missing') }),
      (env) =>
        new RegExp(
          `^vialwise: CATALOG_DIR ${esc(env.CATALOG_DIR!)} does not exist: set it to a catalog folder`,
        ),
    ],
    [
      'CATALOG_DIR is a file',
      () => Promise.resolve({ ...ports, CATALOG_DIR: join(badCatalog(), 'codes.json') }),
      (env) => new RegExp(`^vialwise: CATALOG_DIR ${esc(env.CATALOG_DIR!)} is not a folder`),
    ],
    [
      'CATALOG_DIR has no codes.json',
      () => Promise.resolve({ ...ports, CATALOG_DIR: emptyCatalog() }),
      (env) => new RegExp(`^vialwise: CATALOG_DIR ${esc(env.CATALOG_DIR!)} has no codes\\.json`),
    ],
    [
      'CATALOG_DIR holds malformed JSON',
      () => Promise.resolve({ ...ports, CATALOG_DIR: badCatalog() }),
      (env) =>
        new RegExp(`^vialwise: CATALOG_DIR: ${esc(join(env.CATALOG_DIR!, 'codes.json'))}: cannot read JSON`),
    ],
    [
      'PAYER_RULES_FILE does not exist',
      () => Promise.resolve({ ...ports, PAYER_RULES_FILE: join(dir, 'rules.json') }),
      (env) => new RegExp(`^vialwise: PAYER_RULES_FILE ${esc(env.PAYER_RULES_FILE!)} does not exist`),
    ],
    [
      'PAYER_RULES_FILE is a folder',
      () => Promise.resolve({ ...ports, PAYER_RULES_FILE: dir }),
      (env) => new RegExp(`^vialwise: PAYER_RULES_FILE ${esc(env.PAYER_RULES_FILE!)} is not a file`),
    ],
  ];

  // The path checks run before anything starts (preflight.ts): tested in process, with one of
  // them also through the real process. The others fail while the service starts: tested in
  // process through the same start-up (test/support-proc/start.ts), with one of them (PORT) also
  // as `npm start` runs it.
  const IN_PROCESS = [
    'CATALOG_DIR is a file',
    'CATALOG_DIR has no codes.json',
    'PAYER_RULES_FILE does not exist',
    'PAYER_RULES_FILE is a folder',
  ];
  const STARTING_IN_PROCESS = [
    'EMBEDDED_FHIR_PORT already in use',
    'HOST is not an address of this machine',
    'CATALOG_DIR holds malformed JSON',
  ];
  const asProcess = ([name]: (typeof cases)[number]) =>
    !IN_PROCESS.includes(name) && !STARTING_IN_PROCESS.includes(name);

  test.each(cases.filter(asProcess))(
    '%s',
    async (_name, makeEnv, expected) => {
      const env = await makeEnv();
      const reason = expected(env);
      // Through what `npm start` runs.
      // Start-up loads the catalog and R4 definitions before it binds: allow for a loaded machine.
      const r = await runToExit({ DEMO_DATA: 'false', LOG_LEVEL: 'info', ...env }, 50_000, START_ENTRY);
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(reason);
      expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
      expect(r.stdout).not.toMatch(/vialwise listening/);
    },
    60_000,
  );

  test.each(cases.filter(([name]) => IN_PROCESS.includes(name)))(
    '%s (the checks main.ts runs first, in process)',
    async (_name, makeEnv, expected) => {
      const env = await makeEnv();
      const err = await prepareStart(
        { DEMO_DATA: 'false', LOG_LEVEL: 'info', ...env },
        () => silentLogger,
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      const { line, code } = startFailure(err);
      expect(code).toBe(2);
      expect(line).toMatch(expected(env));
      expect(line).not.toContain('\n');
    },
  );

  test.each(cases.filter(([name]) => STARTING_IN_PROCESS.includes(name)))(
    '%s (main.ts start-up, in process)',
    async (_name, makeEnv, expected) => {
      const env = await makeEnv();
      const failure = await startFailureInProcess({ DEMO_DATA: 'false', LOG_LEVEL: 'info', ...env });
      expect(failure?.code).toBe(2);
      expect(failure?.line).toMatch(expected(env));
      expect(failure?.line).not.toContain('\n');
      expect(failure?.line).not.toMatch(/\bat .+:\d+:\d+/);
    },
  );
});

describe('the first run (npm start): what the summary says', () => {
  test('the worklist address, full FHIR URLs with one host name, gap names in words, and the lines the dashboard counts', async () => {
    const main = startMain({ PORT: '0', EMBEDDED_FHIR_PORT: '0' }, undefined, START_ENTRY);
    try {
      await main.waitForOutput(/Ctrl-C stops both/, 30_000);
      const out = main.stdout();
      const worklist = /^ {2}Open the worklist: (http:\/\/localhost:(\d+)\/)$/m.exec(out);
      expect(worklist, out).not.toBeNull();
      const fhirBase = /^ {2}FHIR server +(http:\/\/localhost:\d+\/fhir\/R4)$/m.exec(out)?.[1];
      expect(fhirBase, out).toBeDefined();
      expect(out).toContain(`${fhirBase}/Claim?status=draft`);
      expect(out).toContain(`${fhirBase}/DetectedIssue?status=preliminary`);
      // One host name throughout.
      expect(out).not.toContain('127.0.0.1');
      // Both addresses answer as printed.
      expect((await fetch(worklist![1]!)).status).toBe(200);
      expect((await fetch(`${fhirBase}/Claim?status=draft`)).status).toBe(200);

      // Gap names in words, from the registry (src/domain/gaps.ts), not codes.
      expect(out).toMatch(/^ {4} +1 {2}Missing diagnosis$/m);
      expect(out).toMatch(/^ {4} +1 {2}Posted charge has the wrong code$/m);
      expect(out).not.toMatch(/charge-code-mismatch|missing-diagnosis/);

      // One definition of a line: the dashboard's (lines on draft Claims), and the rest explained.
      const dashboard = (await (await fetch(`${worklist![1]}api/ui/dashboard`)).json()) as {
        lines: number;
        units: number;
        claimsDrafted: number;
      };
      const lines = /^ {2}billing lines +(\d+) on those Claims \((\d+) units\)$/m.exec(out);
      expect(lines, out).not.toBeNull();
      expect(Number(lines![1])).toBe(dashboard.lines);
      expect(Number(lines![2])).toBe(dashboard.units);
      expect(Number(/^ {2}draft Claims +(\d+)$/m.exec(out)?.[1])).toBe(dashboard.claimsDrafted);
      // demo/README.md: demo-enc-12 (self-pay) derives J2919 x25 but gets no Claim.
      expect(out).toMatch(/^ +\+ 1 line \(25 units\) derived for 1 encounter without a Claim: no coverage$/m);
    } finally {
      expect(await main.terminate()).toEqual({ code: 0, signal: null });
    }
  });
});
