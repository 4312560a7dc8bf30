/**
 * Slow and numerous clients (issue 12, item 12): the service's HTTP server and the embedded FHIR
 * server cut a client that takes too long to send its headers (the real defaults, 10 s) or its
 * body (shortened here), and close connections beyond the cap, instead of Node's defaults (a
 * request may take 300 s; no cap). Over raw TCP, as a slowloris client would.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Running } from '../../src/bootstrap.ts';
import { DEFAULT_SERVER_LIMITS } from '../../src/server-limits.ts';
import { startTestService } from '../support/service.ts';

interface Outcome {
  /** What the server wrote before closing (e.g. a 408), if anything. */
  readonly data: string;
  /** Milliseconds from connecting to the close. */
  readonly closedAfterMs: number;
}

/** Connects, writes `first`, then one byte of `drip` every `everyMs`, until the server closes or `giveUpMs` pass. */
function slowClient(
  port: number,
  first: string,
  opts: { drip?: string; everyMs?: number; giveUpMs: number },
): Promise<Outcome | 'still open'> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let data = '';
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      resolve('still open');
    }, opts.giveUpMs);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(giveUp);
      clearInterval(timer);
      resolve({ data, closedAfterMs: Date.now() - started });
    });
    socket.on('connect', () => {
      socket.write(first);
      let i = 0;
      const drip = opts.drip ?? '';
      if (drip)
        timer = setInterval(() => {
          if (i < drip.length && !socket.destroyed) socket.write(drip[i++]!);
        }, opts.everyMs ?? 200);
    });
  });
}

const portOf = (url: string) => Number(new URL(url).port);

describe('defaults', () => {
  test('well under Node’s 300 s request timeout, with a connection cap', () => {
    expect(DEFAULT_SERVER_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(15_000);
    expect(DEFAULT_SERVER_LIMITS.requestTimeoutMs).toBeLessThanOrEqual(60_000);
    expect(DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs).toBeLessThan(DEFAULT_SERVER_LIMITS.headersTimeoutMs);
    expect(DEFAULT_SERVER_LIMITS.maxConnections).toBeGreaterThan(0);
    expect(Number.isFinite(DEFAULT_SERVER_LIMITS.maxConnections)).toBe(true);
  });
});

describe('the real defaults: headers that never end are cut after about 10 s', () => {
  let running: Running;
  beforeAll(async () => {
    running = await startTestService({}, { inProcessFhir: false });
  });
  afterAll(() => running?.stop());

  test.concurrent.each([
    ['the service', () => portOf(running.serviceUrl)],
    ['the embedded FHIR server', () => portOf(running.fhirBaseUrl)],
  ])(
    '%s',
    async (_name, port) => {
      const r = await slowClient(port(), 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ', {
        drip: 'a'.repeat(200),
        everyMs: 100,
        giveUpMs: 16_000,
      });
      expect(r).not.toBe('still open');
      const { closedAfterMs, data } = r as Outcome;
      expect(closedAfterMs).toBeGreaterThanOrEqual(DEFAULT_SERVER_LIMITS.headersTimeoutMs - 500);
      expect(closedAfterMs).toBeLessThan(DEFAULT_SERVER_LIMITS.headersTimeoutMs + 3_000);
      expect(data).toMatch(/^HTTP\/1\.1 408|^$/);
    },
    20_000,
  );
});

describe('shortened limits (the same settings, quicker to test)', () => {
  let running: Running;
  const limits = { headersTimeoutMs: 800, requestTimeoutMs: 1_500, maxConnections: 4, checkIntervalMs: 200 };
  beforeAll(async () => {
    running = await startTestService({}, { serverLimits: limits, inProcessFhir: false });
  });
  afterAll(() => running?.stop());

  test.concurrent.each([
    ['the service', () => portOf(running.serviceUrl), '/notify'],
    ['the embedded FHIR server', () => portOf(running.fhirBaseUrl), '/fhir/R4/Patient'],
  ])('%s: a body sent a byte at a time is cut at requestTimeout with 408', async (_name, port, path) => {
    const r = await slowClient(
      port(),
      `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/fhir+json\r\nContent-Length: 100\r\n\r\n`,
      { drip: '{'.repeat(100), everyMs: 100, giveUpMs: 6_000 },
    );
    expect(r).not.toBe('still open');
    const { closedAfterMs, data } = r as Outcome;
    expect(data).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(limits.requestTimeoutMs + 1_500);
  });

  test.each([
    ['the service', () => portOf(running.serviceUrl)],
    ['the embedded FHIR server', () => portOf(running.fhirBaseUrl)],
  ])('%s: connections beyond the cap are closed at once', async (_name, port) => {
    const held: Socket[] = [];
    try {
      for (let i = 0; i < limits.maxConnections; i++) {
        const s = connect(port(), '127.0.0.1');
        s.on('error', () => undefined);
        await new Promise((resolve) => s.once('connect', resolve));
        held.push(s);
      }
      // Let the server count them.
      await new Promise((r) => setTimeout(r, 100));
      const extra = await slowClient(port(), 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n', {
        giveUpMs: 1_000,
      });
      expect(extra).not.toBe('still open');
      expect((extra as Outcome).data).toBe('');
    } finally {
      for (const s of held) s.destroy();
    }
    // Once they are gone, the server answers again.
    await new Promise((r) => setTimeout(r, 100));
    const again = await slowClient(
      port(),
      'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
      {
        giveUpMs: 3_000,
      },
    );
    expect(again).not.toBe('still open');
    expect((again as Outcome).data).toMatch(/^HTTP\/1\.1 (200|404)/);
  });
});
