/**
 * What the demo and the image expose (issue 12, items 7 and 8), over real HTTP and TCP:
 *
 * - the service listens on 127.0.0.1 unless HOST says otherwise; the embedded FHIR server too
 *   (the Dockerfile test checks the image's settings);
 * - the open demo answers only Host headers naming this machine (DNS rebinding) and refuses
 *   state-changing cross-site `/api/*` requests (CSRF);
 * - the embedded FHIR server answers only Host headers naming this machine while on loopback,
 *   notifies only the service's own `/notify` (a Subscription pointing anywhere else is skipped
 *   with one log line that carries no patient data and not the endpoint), and never returns the
 *   webhook secret, which the service writes once, where the server type uses it.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Bundle, Subscription } from '@medplum/fhirtypes';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { startVialwise, type Running } from '../../src/bootstrap.ts';
import { loadConfig } from '../../src/config.ts';
import { startEmbeddedFhirServer, SUBSCRIPTION_SECRET_URL } from '../../src/fhir-server/index.ts';
import { secretFingerprint } from '../../src/fhir/registration.ts';
import { createLogger, silentLogger } from '../../src/logger.ts';
import { MEDPLUM_SECRET_EXT, SECRET_FINGERPRINT_EXT } from '../../src/domain/vocabulary.ts';
import { startService } from '../logs/child-process.ts';
import { claimFor, disableSubscriptions, loadGolden, settle, TEST_SECRET } from '../support/notify.ts';
import {
  apiAuthorization,
  fhir,
  goldenAsTransaction,
  searchResources,
  startTestService,
} from '../support/service.ts';
import { listen, readBody } from './fake-servers.ts';

const C01 = '01-ed-asthma-methylpred-125-jz';
const ENC01 = 'enc-golden-01';

interface Raw {
  readonly status: number;
  readonly text: string;
}

/** One HTTP request with exactly these headers (fetch would set Host itself). */
function raw(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Raw> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: opts.method ?? 'GET',
        headers: { host: u.host, ...opts.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Resolves true when a TCP connection to address:port is accepted. */
function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * An address of this machine that is not 127.0.0.1: a network interface's, else 127.0.0.2
 * (Linux routes all of 127.0.0.0/8 to loopback, but a server bound to 127.0.0.1 is not there).
 */
function otherAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.2';
}

const portOf = (url: string) => Number(new URL(url).port);

describe('listening interfaces (node src/main.ts)', () => {
  test('by default the service and the embedded FHIR server answer on loopback only', async () => {
    const { main, url } = await startService({
      EMBEDDED_FHIR_PORT: '0',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'info',
    });
    try {
      const fhirPort = Number(
        (await main.waitForOutput(/"event":"fhir-server.listening"[^\n]*"port":(\d+)/))[1],
      );
      expect(await accepts('127.0.0.1', portOf(url))).toBe(true);
      expect(await accepts('127.0.0.1', fhirPort)).toBe(true);
      expect(await accepts(otherAddress(), portOf(url))).toBe(false);
      expect(await accepts(otherAddress(), fhirPort)).toBe(false);
      expect(url).toMatch(/^http:\/\/localhost:\d+$/);
    } finally {
      await main.terminate();
    }
  });

  test('HOST=0.0.0.0 (the container image) answers on every interface; the FHIR server stays on loopback', async () => {
    const { main, url } = await startService({
      HOST: '0.0.0.0',
      EMBEDDED_FHIR_PORT: '0',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'info',
    });
    try {
      const fhirPort = Number(
        (await main.waitForOutput(/"event":"fhir-server.listening"[^\n]*"port":(\d+)/))[1],
      );
      expect(await accepts(otherAddress(), portOf(url))).toBe(true);
      expect(await accepts(otherAddress(), fhirPort)).toBe(false);
      // Shown as people on this machine type it.
      expect(url).toMatch(/^http:\/\/localhost:\d+$/);
      expect(main.stdout()).not.toMatch(/fhir-server\.exposed/);
      // The open demo on every interface is said once, at start.
      expect(main.stdout()).toMatch(/"event":"api-open-on-network"/);
    } finally {
      await main.terminate();
    }
  });

  test('EMBEDDED_FHIR_HOST=0.0.0.0 is an explicit opt-in, with a warning', async () => {
    const { main } = await startService({
      EMBEDDED_FHIR_HOST: '0.0.0.0',
      EMBEDDED_FHIR_PORT: '0',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
    });
    try {
      const line = await main.waitForOutput(/\{[^\n]*"event":"fhir-server.exposed"[^\n]*\}/);
      const fhirPort = Number((JSON.parse(line[0]) as { port: number }).port);
      expect(await accepts(otherAddress(), fhirPort)).toBe(true);
    } finally {
      await main.terminate();
    }
  });
});

describe('the open demo: Host header (DNS rebinding) and cross-site requests', () => {
  let demo: Running;
  let token: Running | undefined;
  afterAll(async () => {
    await demo?.stop();
    await token?.stop();
  });

  test('only the names of this machine (and PUBLIC_URL host) are answered; probes answer any', async () => {
    demo = await startTestService({ PUBLIC_URL: 'http://vialwise.lan:8080' });
    const port = portOf(demo.serviceUrl);
    const at = (host: string, path = '/api/ui/worklist') =>
      raw(`http://127.0.0.1:${port}${path}`, { headers: { host } });
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      'LOCALHOST',
      'vialwise.lan:8080',
    ])
      expect((await at(host)).status, host).toBe(200);
    for (const host of [
      'attacker.example',
      `attacker.example:${port}`,
      'localhost.attacker.example',
      '127.0.0.1.nip.io',
      'localhost:80:80',
    ]) {
      const r = await at(host);
      expect(r.status, host).toBe(421);
      expect(JSON.parse(r.text)).toMatchObject({ resourceType: 'OperationOutcome', id: 'host-not-allowed' });
      expect((await at(host, '/')).status, `page at ${host}`).toBe(421);
    }
    // A probe of an orchestrator addresses the pod by its IP.
    for (const path of ['/healthz', '/readyz', '/metrics'])
      expect((await at('10.1.2.3:8080', path)).status, path).toBe(200);
  });

  test('with API_TOKEN the token is the defence: any Host is served to its holder', async () => {
    token = await startTestService({ API_TOKEN: 'exposure-api-token-0123456789abcdef' });
    const r = await raw(`${token.serviceUrl}/api/ui/worklist`, {
      headers: {
        host: 'vialwise.hospital.example',
        ...apiAuthorization('exposure-api-token-0123456789abcdef'),
      },
    });
    expect(r.status).toBe(200);
  });

  test('a cross-site POST (a simple request any web page can send) neither evaluates nor writes', async () => {
    await disableSubscriptions(demo);
    expect((await fhir(demo.fhirBaseUrl, 'POST', '', goldenAsTransaction(C01))).status).toBe(200);
    await settle(demo);
    const evaluate = `${demo.serviceUrl}/api/encounters/${ENC01}/evaluate`;
    const forged: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site', origin: 'https://attacker.example', 'content-type': 'text/plain' },
      { 'sec-fetch-site': 'same-site', origin: 'http://localhost:3000' },
      { origin: 'https://attacker.example' },
      { origin: 'null' },
    ];
    for (const headers of forged) {
      const r = await raw(evaluate, { method: 'POST', headers, body: '' });
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(r.text)).toMatchObject({ id: 'cross-site-request' });
    }
    await settle(demo);
    expect(await claimFor(demo, ENC01)).toBeUndefined();

    // The page itself (same origin) and clients that are not browsers are served.
    const port = portOf(demo.serviceUrl);
    const same = await raw(evaluate, {
      method: 'POST',
      headers: {
        'sec-fetch-site': 'same-origin',
        origin: `http://localhost:${port}`,
        host: `localhost:${port}`,
      },
    });
    expect(same.status).toBe(200);
    expect(await claimFor(demo, ENC01)).toBeDefined();
    expect((await raw(evaluate, { method: 'POST' })).status).toBe(200);
    // Reading is not a forgery: the browser does not hand a cross-site page the answer.
    expect(
      (await raw(`${demo.serviceUrl}/api/ui/worklist`, { headers: { 'sec-fetch-site': 'cross-site' } }))
        .status,
    ).toBe(200);
  });
});

describe('the embedded FHIR server', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  test('on loopback it answers only Host headers naming this machine', async () => {
    const server = await startEmbeddedFhirServer({ port: 0, logger: silentLogger });
    stops.push(() => server.stop());
    const metadata = `${server.baseUrl}/metadata`;
    expect((await raw(metadata)).status).toBe(200);
    expect((await raw(metadata, { headers: { host: `localhost:${server.port}` } })).status).toBe(200);
    const rebound = await raw(metadata, { headers: { host: `attacker.example:${server.port}` } });
    expect(rebound.status).toBe(421);
    expect(rebound.text).not.toContain('CapabilityStatement');
  });

  test('a Subscription to any other endpoint gets no notification (SSRF, exfiltration), with one log line', async () => {
    const log: string[] = [];
    const logger = createLogger('debug', { write: (line: string) => void log.push(line) });
    const received: string[] = [];
    const receiver = await listen((req, res) => {
      void readBody(req).then((b) => {
        received.push(b.toString('utf8'));
        res.end();
      });
    });
    stops.push(receiver.close);
    const config = loadConfig({ PORT: '0', EMBEDDED_FHIR_PORT: '0', DEMO_DATA: 'false', LOG_LEVEL: 'debug' });
    const running = await startVialwise(config, logger, { delivery: { retryBaseDelayMs: 20 } });
    stops.push(() => running.stop());
    await running.registered;

    // Anyone who can reach the server can write a Subscription; it is stored, never served.
    const stolen = `${receiver.url}/collect?from=vialwise`;
    for (const criteria of ['Patient', 'MedicationAdministration']) {
      const created = await fhir(running.fhirBaseUrl, 'POST', 'Subscription', {
        resourceType: 'Subscription',
        status: 'active',
        reason: 'exfiltrate',
        criteria,
        channel: { type: 'rest-hook', endpoint: stolen, payload: 'application/fhir+json' },
      });
      expect(created.status).toBe(201);
    }
    await loadGolden(running, C01);
    await loadGolden(running, C01);
    await settle(running);

    expect(received).toEqual([]);
    // The service's own Subscriptions still work: the golden encounter was evaluated and written.
    expect(await claimFor(running, ENC01)).toBeDefined();
    const refused = log.filter((l) => l.includes('"event":"subscription.endpoint-refused"'));
    // One line per Subscription, not per write; no endpoint, no resource.
    expect(refused).toHaveLength(2);
    for (const line of refused) {
      expect(line).not.toContain(String(portOf(receiver.url)));
      expect(line).not.toContain('collect');
      expect(line).not.toMatch(/Patient\/|golden/);
    }
  });

  test('the webhook secret is written once, in the secret extension, and no read returns it', async () => {
    const running = await startTestService({}, { inProcessFhir: false });
    stops.push(() => running.stop());
    const subs = await searchResources<Subscription>(running.fhirBaseUrl, 'Subscription?_count=100');
    expect(subs).toHaveLength(5);
    const embedded = running.embedded!;
    for (const s of subs) {
      // Stored once, where the embedded server (like Medplum) uses it: to sign.
      expect(embedded.repo.subscriptionSecret(s.id!)).toBe(TEST_SECRET);
      expect(s.channel.header).toBeUndefined();
      expect(s.extension?.find((e) => e.url === MEDPLUM_SECRET_EXT)).toBeUndefined();
      expect(s.extension?.find((e) => e.url === SECRET_FINGERPRINT_EXT)?.valueString).toBe(
        secretFingerprint(TEST_SECRET),
      );
    }
    // Every way of reading a Subscription back.
    const id = subs[0]!.id!;
    const reads = [
      'Subscription?_count=100',
      `Subscription/${id}`,
      `Subscription/${id}/_history`,
      `Subscription?_id=${id}`,
      `Subscription?url=${encodeURIComponent(subs[0]!.channel.endpoint!)}`,
    ];
    for (const path of reads) {
      const r = await raw(`${running.fhirBaseUrl}/${path}`);
      expect(r.status, path).toBe(200);
      expect(r.text, path).not.toContain(TEST_SECRET);
    }
    const batch: Bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: reads.map((url) => ({ request: { method: 'GET', url } })),
    };
    const viaBatch = await raw(`${running.fhirBaseUrl}`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(batch),
    });
    expect(viaBatch.status).toBe(200);
    expect(viaBatch.text).not.toContain(TEST_SECRET);

    // Notifications are still signed with it: a write is evaluated by the service.
    await loadGolden(running, C01);
    expect(await claimFor(running, ENC01)).toBeDefined();
  });

  test('the secret is write-only: writing a Subscription back as read keeps it, a new one replaces it, a delete drops it', async () => {
    const server = await startEmbeddedFhirServer({ port: 0, logger: silentLogger });
    stops.push(() => server.stop());
    const created = await fhir<Subscription>(server.baseUrl, 'POST', 'Subscription', {
      resourceType: 'Subscription',
      status: 'active',
      reason: 'test',
      criteria: 'Patient',
      channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9/notify' },
      extension: [
        { url: SUBSCRIPTION_SECRET_URL, valueString: 'first-secret-0123456789' },
        { url: 'https://example.org/other', valueString: 'kept' },
      ],
    });
    expect(created.status).toBe(201);
    const id = created.body.id!;
    expect(JSON.stringify(created.body)).not.toContain('first-secret');
    expect(created.body.extension).toEqual([{ url: 'https://example.org/other', valueString: 'kept' }]);
    expect(server.repo.subscriptionSecret(id)).toBe('first-secret-0123456789');

    const off = await fhir<Subscription>(server.baseUrl, 'PUT', `Subscription/${id}`, {
      ...created.body,
      status: 'off',
    });
    expect(off.status).toBe(200);
    expect(server.repo.subscriptionSecret(id)).toBe('first-secret-0123456789');

    const rotated = await fhir<Subscription>(server.baseUrl, 'PUT', `Subscription/${id}`, {
      ...off.body,
      extension: [{ url: SUBSCRIPTION_SECRET_URL, valueString: 'second-secret-0123456789' }],
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.extension).toBeUndefined();
    expect(server.repo.subscriptionSecret(id)).toBe('second-secret-0123456789');

    expect((await fhir(server.baseUrl, 'DELETE', `Subscription/${id}`)).status).toBeLessThan(300);
    expect(server.repo.subscriptionSecret(id)).toBeUndefined();
  });

  test('WEBHOOK_AUTH=header (HAPI FHIR style): the secret goes only into channel.header, and notifications are accepted', async () => {
    const server = await startEmbeddedFhirServer({
      port: 0,
      logger: silentLogger,
      delivery: { retryBaseDelayMs: 20 },
    });
    stops.push(() => server.stop());
    const secret = 'header-secret-0123456789abcdef';
    const config = loadConfig({
      PORT: '0',
      FHIR_BASE_URL: server.baseUrl,
      WEBHOOK_SECRET: secret,
      WEBHOOK_AUTH: 'header',
      LOG_LEVEL: 'silent',
    });
    const running = await startVialwise(config, silentLogger);
    stops.push(() => running.stop());
    await running.registered;
    const subs = await searchResources<Subscription>(server.baseUrl, 'Subscription?_count=100');
    expect(subs).toHaveLength(5);
    for (const s of subs) {
      expect(s.channel.header).toEqual([`Authorization: Bearer ${secret}`]);
      expect(server.repo.subscriptionSecret(s.id!)).toBeUndefined();
      expect(JSON.stringify(s.extension)).not.toContain(secret);
    }
    expect((await fhir(server.baseUrl, 'POST', '', goldenAsTransaction(C01))).status).toBe(200);
    await server.deliveries.idle();
    await running.service.idle();
    const claims = await searchResources(
      server.baseUrl,
      `Claim?identifier=${encodeURIComponent(`https://vialwise.dev/fhir/sid/claim-draft|Encounter/${ENC01}`)}`,
    );
    expect(claims).toHaveLength(1);
    expect(server.deliveries.attempts.every((a) => a.ok)).toBe(true);
  });
});
