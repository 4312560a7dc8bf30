/**
 * Access to `/api/*` (the evaluation API and the web UI's JSON, which read patient data with the
 * service's own FHIR credentials and write back), over real HTTP against a separate embedded FHIR
 * server (`FHIR_BASE_URL`, as in production):
 *
 * - with API_TOKEN: every protected route answers 401 OperationOutcome to no token, a wrong one
 *   and every near miss (never echoing the token, and before any FHIR request), and its normal
 *   answer to `Authorization: Bearer <API_TOKEN>`;
 * - without API_TOKEN: 403 OperationOutcome saying the API is disabled until API_TOKEN is set;
 * - `/notify`, `/healthz`, `/readyz`, `/metrics` and the page itself are unchanged;
 * - the embedded demo without API_TOKEN stays open; with API_TOKEN it needs it too;
 * - the token is in no log line and no response; the configuration checks it.
 */
import { readFileSync } from 'node:fs';
import type { DetectedIssue, OperationOutcome } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startVialwise, type Running } from '../../src/bootstrap.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../../src/fhir-server/index.ts';
import { createLogger, silentLogger } from '../../src/logger.ts';
import {
  claimFor,
  disableSubscriptions,
  goldenBundle,
  issuesFor,
  metricSum,
  metricsText,
  send,
  sign,
  type HttpResult,
} from '../support/notify.ts';
import { fhir, goldenAsTransaction, startTestService } from '../support/service.ts';

const API_TOKEN = 'api-auth-token-Vq3Rm8Kz1Lp6Tw4Y';
const WRONG_TOKEN = 'api-auth-wrong-Jh2Bx7Nc5Df9Gs1Q';
const WEBHOOK_SECRET = 'api-auth-webhook-secret-Pe6Ua9Wi0';
const C01 = '01-ed-asthma-methylpred-125-jz';
const C15 = '15-ed-methylpred-missing-diagnosis';
const RETRY = { retries: 1, baseDelayMs: 10, maxDelayMs: 50, timeoutMs: 5_000 };

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

interface Started {
  readonly fhirServer: EmbeddedFhirServer;
  readonly running: Running;
  readonly log: string[];
}

/** The service against its own embedded FHIR server, not embedded itself, with its log captured. */
async function startAgainstFhirServer(env: Record<string, string>): Promise<Started> {
  const fhirServer = await startEmbeddedFhirServer({ port: 0, logger: silentLogger });
  // The data is there before the service starts, so no notification evaluates it on its own.
  for (const c of [C01, C15])
    expect((await fhir(fhirServer.baseUrl, 'POST', '', goldenAsTransaction(c))).status).toBe(200);
  const log: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void log.push(line) });
  const config = loadConfig({
    PORT: '0',
    FHIR_BASE_URL: fhirServer.baseUrl,
    WEBHOOK_SECRET,
    SWEEP_INTERVAL_SECONDS: '3600',
    ...env,
  });
  const running = await startVialwise(config, logger, { retry: RETRY, registrationRetryMs: 50 });
  await running.registered;
  return { fhirServer, running, log };
}

/** One protected route: how to call it, and what it answers to the right token. */
interface Route {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly contentType?: string;
  readonly body?: (r: Running) => Promise<string> | string;
  readonly ok: number;
}

async function openGap(r: Running): Promise<DetectedIssue> {
  const open = (await issuesFor(r, 'enc-golden-15')).filter((i) => i.status === 'preliminary');
  expect(open.length).toBeGreaterThan(0);
  return open[0]!;
}

const ROUTES: Route[] = [
  {
    name: 'POST /api/evaluate (dry run)',
    method: 'POST',
    path: '/api/evaluate',
    contentType: 'application/fhir+json',
    body: () => JSON.stringify(goldenBundle(C01)),
    ok: 200,
  },
  {
    name: 'POST /api/encounters/:id/evaluate',
    method: 'POST',
    path: '/api/encounters/enc-golden-01/evaluate',
    ok: 200,
  },
  { name: 'GET /api/ui/worklist', method: 'GET', path: '/api/ui/worklist', ok: 200 },
  { name: 'GET /api/ui/practitioners', method: 'GET', path: '/api/ui/practitioners', ok: 200 },
  { name: 'GET /api/ui/encounters/:id', method: 'GET', path: '/api/ui/encounters/enc-golden-15', ok: 200 },
  { name: 'GET /api/ui/dashboard', method: 'GET', path: '/api/ui/dashboard', ok: 200 },
  { name: 'GET /api/ui/dashboard.csv', method: 'GET', path: '/api/ui/dashboard.csv', ok: 200 },
  {
    name: 'POST /api/ui/gaps/:id/acknowledge',
    method: 'POST',
    path: '/api/ui/gaps/GAP/acknowledge',
    contentType: 'application/json',
    body: async (r) => {
      const gap = await openGap(r);
      return JSON.stringify({
        version: gap.meta?.versionId,
        author: { display: 'Auth Tester' },
        note: 'seen',
      });
    },
    ok: 200,
  },
  {
    name: 'GET /API/ui/worklist (paths are case-insensitive)',
    method: 'GET',
    path: '/API/ui/worklist',
    ok: 200,
  },
  { name: 'GET /api/no-such-route', method: 'GET', path: '/api/no-such-route', ok: 404 },
];

async function call(
  r: Running,
  route: Route,
  headers: Record<string, string>,
  query = '',
  signWith?: string,
): Promise<HttpResult> {
  let path = route.path;
  if (path.includes('GAP')) path = path.replace('GAP', (await openGap(r)).id ?? '');
  const body = route.body ? await route.body(r) : undefined;
  return send(`${r.serviceUrl}${path}${query}`, route.method, body, {
    ...(route.contentType ? { 'content-type': route.contentType } : {}),
    ...(signWith && body !== undefined ? { 'x-signature': sign(body, signWith) } : {}),
    ...headers,
  });
}

interface Refused {
  readonly name: string;
  readonly headers: Record<string, string>;
  readonly query?: string;
  readonly signWith?: string;
}

const REFUSED: Refused[] = [
  { name: 'no Authorization', headers: {} },
  { name: 'a wrong token', headers: bearer(WRONG_TOKEN) },
  { name: 'the token less its last character', headers: bearer(API_TOKEN.slice(0, -1)) },
  { name: 'the token and one more character', headers: bearer(`${API_TOKEN}x`) },
  { name: 'the token in upper case', headers: bearer(API_TOKEN.toUpperCase()) },
  { name: 'Bearer with no token', headers: { authorization: 'Bearer ' } },
  { name: 'the token without a scheme', headers: { authorization: API_TOKEN } },
  { name: 'Basic with the token as password', headers: basic('vialwise', API_TOKEN) },
  { name: 'Token scheme', headers: { authorization: `Token ${API_TOKEN}` } },
  { name: 'the webhook secret as bearer token', headers: bearer(WEBHOOK_SECRET) },
  { name: 'a body signed with the webhook secret', headers: {}, signWith: WEBHOOK_SECRET },
  { name: 'the token in its own header', headers: { 'x-api-token': API_TOKEN } },
  { name: 'the token in a cookie', headers: { cookie: `token=${API_TOKEN}` } },
  { name: 'the token in the query string', headers: {}, query: `?access_token=${API_TOKEN}` },
];

function expectOutcome(res: HttpResult, status: number, code: string): OperationOutcome {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
  const oo = res.json as OperationOutcome;
  expect(oo.resourceType).toBe('OperationOutcome');
  expect(oo.issue[0]).toMatchObject({ severity: 'error', code });
  expect(res.headers.get('cache-control')).toBe('no-store');
  return oo;
}

/** Neither the token nor anything else sent as a credential comes back. */
function expectNoEcho(res: HttpResult): void {
  const all = `${res.text} ${[...res.headers.values()].join(' ')}`;
  for (const s of [API_TOKEN, WRONG_TOKEN, WEBHOOK_SECRET, API_TOKEN.slice(0, -1), API_TOKEN.toUpperCase()])
    expect(all).not.toContain(s);
}

const fhirRequests = async (r: Running) => metricSum(await metricsText(r), 'vialwise_fhir_requests_total');

describe('outside embedded mode with API_TOKEN: /api/* needs Authorization: Bearer <API_TOKEN>', () => {
  let s: Started;

  beforeAll(async () => {
    s = await startAgainstFhirServer({ API_TOKEN, LOG_LEVEL: 'debug' });
    // Only the requests below evaluate anything.
    await disableSubscriptions(s.running);
    await s.running.service.evaluate('enc-golden-15');
  });

  afterAll(async () => {
    await s?.running.stop();
    await s?.fhirServer.stop();
  });

  describe.each(ROUTES.map((r) => [r.name, r] as const))('%s', (_name, route) => {
    test.each(REFUSED.map((c) => [c.name, c] as const))('401 with %s', async (_case, c) => {
      const before = await fhirRequests(s.running);
      const res = await call(s.running, route, c.headers, c.query, c.signWith);
      const oo = expectOutcome(res, 401, 'login');
      expect(oo.id).toBe('unauthorized');
      expect(oo.issue[0]?.details?.text).toMatch(/API token/);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="vialwise"/);
      expectNoEcho(res);
      // Refused before anything was read from or written to the FHIR server on its behalf (the
      // test's own reads of the open gap are not the service's).
      expect(await fhirRequests(s.running)).toBe(before);
    });
  });

  test('nothing was evaluated or acknowledged on the strength of a refused request', async () => {
    expect(await claimFor(s.running, 'enc-golden-01')).toBeUndefined();
    const gap = await openGap(s.running);
    expect(gap.mitigation ?? []).toEqual([]);
  });

  const accepted: [string, Record<string, string>][] = [
    ['Bearer <API_TOKEN>', bearer(API_TOKEN)],
    ['bearer <API_TOKEN> (the scheme is case-insensitive)', { authorization: `bearer ${API_TOKEN}` }],
    ['Bearer, spaces around the token', { authorization: `Bearer   ${API_TOKEN}  ` }],
  ];
  describe.each(accepted)('with %s', (_name, headers) => {
    test.each(ROUTES.map((r) => [r.name, r] as const))('%s answers as usual', async (_route, route) => {
      const res = await call(s.running, route, headers);
      expect(res.status, res.text).toBe(route.ok);
      expectNoEcho(res);
      expect(res.headers.get('www-authenticate')).toBeNull();
    });
  });

  test('the right token evaluated and wrote back, and acknowledged the gap', async () => {
    expect(await claimFor(s.running, 'enc-golden-01')).toBeDefined();
    const gap = await openGap(s.running);
    expect(gap.mitigation?.length).toBeGreaterThan(0);
  });

  test('/notify, /healthz, /readyz, /metrics and the page do not need the API token', async () => {
    const base = s.running.serviceUrl;
    expect((await send(`${base}/healthz`, 'GET')).status).toBe(200);
    expect((await send(`${base}/readyz`, 'GET')).status).toBe(200);
    expect((await send(`${base}/metrics`, 'GET')).status).toBe(200);
    const page = await send(`${base}/`, 'GET');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<main id="main"');
    expect((await send(`${base}/ui/app.js`, 'GET')).status).toBe(200);
    // /notify keeps its own check: the webhook secret, not the API token.
    const body = '{}';
    const signed = await send(`${base}/notify`, 'POST', body, {
      'content-type': 'application/fhir+json',
      'x-signature': sign(body, WEBHOOK_SECRET),
    });
    expect(signed.status, signed.text).toBe(200);
    const withApiToken = await send(`${base}/notify`, 'POST', body, {
      'content-type': 'application/fhir+json',
      ...bearer(API_TOKEN),
    });
    expect(withApiToken.status).toBe(401);
    expectNoEcho(withApiToken);
  });

  test('refusals are counted and logged without the token, the header or the URL', async () => {
    expect(await metricsText(s.running)).toMatch(/vialwise_errors_total\{kind="unauthorized"\} [1-9]/);
    const log = s.log.join('');
    for (const secret of [API_TOKEN, WRONG_TOKEN, WEBHOOK_SECRET, API_TOKEN.slice(0, 12), 'access_token'])
      expect(log).not.toContain(secret);
    expect(log.toLowerCase()).not.toMatch(/authorization|bearer|cookie/);
    const lines = s.log.map((l) => JSON.parse(l) as Record<string, unknown>);
    const refusals = lines.filter((l) => l.event === 'api-unauthorized');
    expect(new Set(refusals.map((l) => l.reason))).toEqual(new Set(['no-token', 'invalid-token']));
    expect(lines.some((l) => l.event === 'http' && l.status === 401)).toBe(true);
  });
});

describe('outside embedded mode without API_TOKEN: the API and the UI are disabled', () => {
  let s: Started;

  beforeAll(async () => {
    s = await startAgainstFhirServer({ LOG_LEVEL: 'silent' });
    await disableSubscriptions(s.running);
    // A gap to try to acknowledge (the service itself can still evaluate: only /api is off).
    await s.running.service.evaluate('enc-golden-15');
  });

  afterAll(async () => {
    await s?.running.stop();
    await s?.fhirServer.stop();
  });

  test.each(ROUTES.map((r) => [r.name, r] as const))(
    '%s: 403 OperationOutcome saying API_TOKEN must be set, with or without a token',
    async (_name, route) => {
      const before = await fhirRequests(s.running);
      for (const headers of [{}, bearer(API_TOKEN)]) {
        const res = await call(s.running, route, headers);
        const oo = expectOutcome(res, 403, 'forbidden');
        expect(oo.id).toBe('api-disabled');
        expect(oo.issue[0]?.details?.text).toMatch(/disabled until API_TOKEN is set/);
        expectNoEcho(res);
      }
      expect(await fhirRequests(s.running)).toBe(before);
    },
  );

  test('nothing was evaluated', async () => {
    expect(await claimFor(s.running, 'enc-golden-01')).toBeUndefined();
  });

  test('the page still loads (and shows the message), health, metrics and /notify still work', async () => {
    const base = s.running.serviceUrl;
    expect((await send(`${base}/`, 'GET')).status).toBe(200);
    expect((await send(`${base}/ui/signin.js`, 'GET')).status).toBe(200);
    expect((await send(`${base}/healthz`, 'GET')).status).toBe(200);
    expect((await send(`${base}/readyz`, 'GET')).status).toBe(200);
    expect((await send(`${base}/metrics`, 'GET')).status).toBe(200);
    const res = await send(`${base}/notify`, 'POST', '{}', {
      'content-type': 'application/fhir+json',
      'x-signature': sign('{}', WEBHOOK_SECRET),
    });
    expect(res.status).toBe(200);
  });
});

describe('embedded (demo) mode', () => {
  test('without API_TOKEN everything stays open, as `npm start` has it', async () => {
    const r = await startTestService();
    try {
      for (const headers of [{}, bearer(WRONG_TOKEN)]) {
        expect((await send(`${r.serviceUrl}/api/ui/worklist`, 'GET', undefined, headers)).status).toBe(200);
        const dry = await send(`${r.serviceUrl}/api/evaluate`, 'POST', JSON.stringify(goldenBundle(C01)), {
          'content-type': 'application/fhir+json',
          ...headers,
        });
        expect(dry.status, dry.text).toBe(200);
      }
    } finally {
      await r.stop();
    }
  });

  test('with API_TOKEN it is required there too', async () => {
    const r = await startTestService({ API_TOKEN });
    try {
      const without = await send(`${r.serviceUrl}/api/ui/worklist`, 'GET');
      expectOutcome(without, 401, 'login');
      expectNoEcho(without);
      expect(
        (await send(`${r.serviceUrl}/api/ui/worklist`, 'GET', undefined, bearer(WRONG_TOKEN))).status,
      ).toBe(401);
      expect(
        (await send(`${r.serviceUrl}/api/ui/worklist`, 'GET', undefined, bearer(API_TOKEN))).status,
      ).toBe(200);
      expect((await send(`${r.serviceUrl}/healthz`, 'GET')).status).toBe(200);
    } finally {
      await r.stop();
    }
  });
});

describe('API_TOKEN in the configuration', () => {
  const EXTERNAL = 'http://127.0.0.1:9/fhir/R4';
  const base = { FHIR_BASE_URL: EXTERNAL, WEBHOOK_SECRET };

  test.each([
    ['23 characters', 'a'.repeat(23)],
    ['a space inside', 'api-token with-a-space-0123456789'],
    ['a non-ASCII character', 'api-token-é-0123456789abcdefgh'],
    ['a control character', 'api-token-\t-0123456789abcdefgh'],
  ])('refused with %s, naming API_TOKEN and never its value', (_name, token) => {
    let error: unknown;
    try {
      loadConfig({ ...base, API_TOKEN: token });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^API_TOKEN must be at least 24 characters/);
    expect(message).not.toContain(token);
  });

  test('refused when it is the webhook secret (shared with the FHIR server: it must not open the API)', () => {
    expect(() => loadConfig({ ...base, API_TOKEN: WEBHOOK_SECRET })).toThrow(
      /^API_TOKEN must differ from WEBHOOK_SECRET$/,
    );
  });

  test('who may call /api/*, by mode', () => {
    expect(loadConfig({ ...base, API_TOKEN }).apiAccess).toEqual({ mode: 'token', token: API_TOKEN });
    expect(loadConfig(base).apiAccess).toEqual({ mode: 'disabled' });
    // Blank counts as unset, as for every variable: the API stays disabled, never open.
    expect(loadConfig({ ...base, API_TOKEN: '' }).apiAccess).toEqual({ mode: 'disabled' });
    // Open to this machine's browsers: the Host names the demo answers (http/host-guard.ts).
    expect(loadConfig({}).apiAccess).toEqual({ mode: 'open', hosts: ['localhost', '127.0.0.1', '[::1]'] });
    expect(loadConfig({ API_TOKEN }).apiAccess).toEqual({ mode: 'token', token: API_TOKEN });
    expect(loadConfig({ API_TOKEN: 'x'.repeat(24) }).apiAccess.mode).toBe('token');
  });

  test('the middleware compares with the shared constant-time helper', () => {
    const source = readFileSync(new URL('../../src/http/api-auth.ts', import.meta.url), 'utf8');
    expect(source).toMatch(/import \{ bearerMatches \} from '\.\/signature\.ts'/);
    expect(source).toMatch(/bearerMatches\(access\.token, authorization\)/);
    expect(source).not.toMatch(/access\.token\s*[!=]==?|[!=]==?\s*access\.token/);
  });
});
