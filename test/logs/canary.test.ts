/**
 * No patient data and no secrets in the logs (docs/operations.md, "Logs"). The service runs
 * as a child process (`node src/main.ts`, LOG_LEVEL=debug) against a FHIR server behind an OAuth2
 * proxy, and every flow is driven with a canary patient and canary secrets: every /notify form,
 * refused and malformed notifications, the API (success, 404, no or a wrong API token),
 * readiness, metrics, the FHIR server rejecting the token with the token endpoint down, and the
 * FHIR server down. Then everything the process wrote (stdout and stderr) and everything the
 * FHIR server logged is searched for the canaries, the search query strings and the secrets.
 */
import { Writable } from 'node:stream';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../../src/fhir-server/index.ts';
import { createLogger, LOG_FIELDS } from '../../src/logger.ts';
import { goldenResources, sign } from '../support/notify.ts';
import { asTransaction, eventually, fhir, searchResources } from '../support/service.ts';
import {
  startFhirProxy,
  startTokenEndpoint,
  type FhirProxy,
  type TokenEndpoint,
} from '../security/fake-servers.ts';
import { logLines, startService, type MainProcess } from './child-process.ts';

const NAME = 'Canary Zzyzx-Quokka';
const BIRTH_DATE = '1911-11-11';
const MRN = 'MRN-CANARY-8675309';
const NOTE = 'canary-note-Xq7';
const STREET = '77 Quokka Canary Lane';
const PHONE = '+1-555-867-5309';
const WEBHOOK_SECRET = 'canary-webhook-secret-Hq4Lz8Rt2Vw6';
const CLIENT_SECRET = 'canary-client-secret-Mb7Ty3Kx9';
const API_TOKEN = 'canary-api-token-Wd5Np2Js8Fg4';
const API_AUTH = { authorization: `Bearer ${API_TOKEN}` };
const CLIENT_ID = 'vialwise-logs';

/** Strings that must never reach a log, with the reason. Checked case-insensitively. */
const CANARIES: [string, string][] = [
  ['canary', 'any canary value (name, identifier, note, address, secrets)'],
  ['zzyzx', 'patient name'],
  ['quokka', 'patient name or address'],
  [BIRTH_DATE, 'birth date'],
  ['8675309', 'identifier or phone'],
  [NOTE, 'free-text note'],
  [WEBHOOK_SECRET, 'webhook secret'],
  [CLIENT_SECRET, 'client secret'],
  [API_TOKEN, 'API token'],
  ['_revinclude', 'search URL'],
  ['_include', 'search URL'],
  ['patient=', 'search URL'],
  ['identifier=', 'search URL'],
  ['implicated=', 'search URL'],
  ['_lastupdated', 'search URL'],
  ['?', 'a query string'],
  ['x-signature', 'request header'],
  ['authorization', 'request header'],
  ['bearer', 'request header'],
];

/** Golden case 01 as the canary patient's visit: two administrations (one without a route). */
function canaryResources(): Resource[] {
  const resources = JSON.parse(
    JSON.stringify(goldenResources('01-ed-asthma-methylpred-125-jz')).replaceAll('golden-01', 'c1'),
  ) as Record<string, unknown>[];
  const patient = resources.find((r) => r.resourceType === 'Patient')!;
  Object.assign(patient, {
    name: [{ text: NAME, family: 'Zzyzx-Quokka', given: ['Canary'] }],
    birthDate: BIRTH_DATE,
    identifier: [{ type: { text: 'MRN' }, system: 'urn:oid:1.2.36.146.595.217.0.1', value: MRN }],
    address: [{ line: [STREET], city: 'Zzyzx', state: 'CA', postalCode: '92309' }],
    telecom: [{ system: 'phone', value: PHONE }],
  });
  const ma = resources.find((r) => r.resourceType === 'MedicationAdministration')!;
  ma.note = [{ text: `${NOTE}: ${NAME} tolerated well` }];
  const second = {
    ...structuredClone(ma),
    id: 'ma-c1-b',
    effectiveDateTime: '2025-03-04T15:10:00-05:00',
  } as Record<string, unknown>;
  delete (second.dosage as Record<string, unknown>).route;
  const encounter = resources.find((r) => r.resourceType === 'Encounter')!;
  (encounter.subject as Record<string, unknown>).display = NAME;
  return [...resources, second] as unknown as Resource[];
}

describe('no patient data or secrets in the logs (child process, LOG_LEVEL=debug)', () => {
  let fhirServer: EmbeddedFhirServer;
  let fhirLog = '';
  let tokens: TokenEndpoint;
  let proxy: FhirProxy;
  let main: MainProcess;
  let url: string;
  const statuses: Record<string, number> = {};
  let output = '';

  async function call(name: string, path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(`${url}${path}`, init);
    await res.arrayBuffer();
    statuses[name] = res.status;
    return res;
  }

  const signed = (body: string, headers: Record<string, string> = {}): RequestInit => ({
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/fhir+json',
      'x-signature': sign(body, WEBHOOK_SECRET),
      ...headers,
    },
  });

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        fhirLog += chunk.toString('utf8');
        cb();
      },
    });
    fhirServer = await startEmbeddedFhirServer({
      port: 0,
      logger: createLogger('debug', sink),
      delivery: { retryBaseDelayMs: 20, retryMaxDelayMs: 100 },
    });
    tokens = await startTokenEndpoint({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    proxy = await startFhirProxy(fhirServer.baseUrl, tokens);
    ({ main, url } = await startService({
      FHIR_BASE_URL: proxy.base,
      WEBHOOK_SECRET,
      API_TOKEN,
      FHIR_AUTH: 'client-credentials',
      FHIR_TOKEN_URL: tokens.tokenUrl,
      FHIR_CLIENT_ID: CLIENT_ID,
      FHIR_CLIENT_SECRET: CLIENT_SECRET,
      LOG_LEVEL: 'debug',
    }));
    await main.waitForOutput(/"event":"registered"/);

    const resources = canaryResources();
    const ma = JSON.stringify(resources.find((r) => r.id === 'ma-c1-a'));
    const patient = JSON.stringify(resources.find((r) => r.resourceType === 'Patient'));
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: resources.map((resource) => ({ resource })),
    };

    // Medplum-style delivery by the FHIR server of everything written (full resources, signed).
    expect((await fhir(fhirServer.baseUrl, 'POST', '', asTransaction(resources))).status).toBe(200);
    await eventually(async () =>
      (
        await searchResources(
          fhirServer.baseUrl,
          'Claim?identifier=https://vialwise.dev/fhir/sid/claim-draft|Encounter/enc-c1',
        )
      ).length
        ? true
        : undefined,
    );
    await fhirServer.deliveries.idle();

    // Every /notify form, signed with the canary secret.
    await call('notify: full resource', '/notify', signed(ma));
    await call('notify: a Patient (ignored)', '/notify', signed(patient));
    const backportFull = JSON.stringify({
      resourceType: 'Bundle',
      type: 'history',
      entry: [
        {
          resource: {
            resourceType: 'Parameters',
            parameter: [{ name: 'type', valueCode: 'event-notification' }],
          },
        },
        { fullUrl: `${proxy.base}/MedicationAdministration/ma-c1-a`, resource: JSON.parse(ma) as Resource },
      ],
    });
    await call('notify: backport full-resource', '/notify', signed(backportFull));
    const backportIdOnly = JSON.stringify({
      resourceType: 'Bundle',
      type: 'history',
      entry: [
        {
          resource: {
            resourceType: 'Parameters',
            parameter: [
              { name: 'type', valueCode: 'event-notification' },
              {
                name: 'notification-event',
                part: [{ name: 'focus', valueReference: { reference: 'MedicationAdministration/ma-c1-a' } }],
              },
            ],
          },
        },
      ],
    });
    await call('notify: backport id-only', '/notify', signed(backportIdOnly));
    await call(
      'notify: backport handshake',
      '/notify',
      signed(
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'history',
          entry: [
            {
              resource: { resourceType: 'Parameters', parameter: [{ name: 'type', valueCode: 'handshake' }] },
            },
          ],
        }),
      ),
    );
    await call('notify: empty (sweep)', '/notify', signed(''));
    await call(
      'notify: Medplum delete',
      '/notify',
      signed('{}', {
        'x-medplum-interaction': 'delete',
        'x-medplum-deleted-resource': 'MedicationAdministration/ma-c1-gone',
      }),
    );
    await call('notify: HAPI PUT with payload', '/notify/MedicationAdministration/ma-c1-a', {
      ...signed(ma),
      method: 'PUT',
    });
    await call('notify: HAPI PUT empty', '/notify/MedicationAdministration/ma-c1-a', {
      ...signed(''),
      method: 'PUT',
    });
    await call('notify: bearer', '/notify', {
      method: 'POST',
      body: ma,
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${WEBHOOK_SECRET}` },
    });
    await call('notify: bad signature', '/notify', {
      ...signed(ma),
      headers: { 'content-type': 'application/fhir+json', 'x-signature': sign(ma, 'canary-wrong-secret') },
    });
    await call(
      'notify: secret in the query',
      `/notify?secret=${WEBHOOK_SECRET}&name=${encodeURIComponent(NAME)}`,
      {
        method: 'POST',
        body: ma,
        headers: { 'content-type': 'application/fhir+json', authorization: 'Bearer canary-guess' },
      },
    );
    await call(
      'notify: malformed',
      '/notify',
      signed(`{"resourceType":"Patient","name":"${NAME}","birthDate":"${BIRTH_DATE}",`),
    );
    await call('notify: not JSON', '/notify', {
      ...signed(`${NAME} ${MRN}`),
      headers: { 'content-type': 'text/plain', 'x-signature': sign(`${NAME} ${MRN}`, WEBHOOK_SECRET) },
    });
    await call(
      'notify: over 1 MiB',
      '/notify',
      signed(JSON.stringify({ ...(JSON.parse(ma) as object), text: { div: NOTE.repeat(80_000) } })),
    );

    // The API.
    await call('api: evaluate', '/api/evaluate', {
      method: 'POST',
      body: JSON.stringify(bundle),
      headers: { 'content-type': 'application/fhir+json', ...API_AUTH },
    });
    await call('api: evaluate without the API token', '/api/evaluate', {
      method: 'POST',
      body: JSON.stringify(bundle),
      headers: { 'content-type': 'application/fhir+json' },
    });
    await call('api: evaluate with a wrong API token', '/api/evaluate', {
      method: 'POST',
      body: JSON.stringify(bundle),
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${API_TOKEN}x` },
    });
    await call('api: evaluate malformed', '/api/evaluate', {
      method: 'POST',
      body: `{"name":"${NAME}"`,
      headers: { 'content-type': 'application/fhir+json', ...API_AUTH },
    });
    await call(
      'api: encounter',
      `/api/encounters/enc-c1/evaluate?mrn=${MRN}&patient=${encodeURIComponent(NAME)}`,
      {
        method: 'POST',
        headers: {
          'x-canary-header': `${NAME} ${MRN}`,
          cookie: `session=${MRN}`,
          ...API_AUTH,
        },
      },
    );
    await call('api: the webhook secret as API token', '/api/encounters/enc-c1/evaluate', {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_SECRET}` },
    });
    await call('api: encounter 404', '/api/encounters/enc-c1-missing/evaluate', {
      method: 'POST',
      headers: API_AUTH,
    });
    await call('healthz', '/healthz');
    await call('readyz', '/readyz');
    await call('metrics', '/metrics');
    await call('unknown path', `/${encodeURIComponent(NAME)}?birthDate=${BIRTH_DATE}`);

    // The FHIR server refuses the token and the token endpoint is down.
    proxy.rejectTokens = true;
    tokens.failWith = 503;
    await call('api: FHIR auth failed', '/api/encounters/enc-c1/evaluate', {
      method: 'POST',
      headers: API_AUTH,
    });
    proxy.rejectTokens = false;
    tokens.failWith = undefined;

    // The FHIR server is down.
    proxy.mode = 'down';
    await call('api: FHIR down', '/api/encounters/enc-c1/evaluate', { method: 'POST', headers: API_AUTH });
    await call('notify: FHIR down', '/notify', signed(ma));
    await call('readyz: FHIR down', '/readyz');
    proxy.mode = 'up';

    const exit = await main.terminate();
    expect(exit.code).toBe(0);
    output = main.stdout() + main.stderr();
  });

  afterAll(async () => {
    await main?.terminate();
    await proxy?.close();
    await tokens?.close();
    await fhirServer?.stop();
  });

  test('every flow ran and answered as expected', () => {
    expect(statuses).toEqual({
      'notify: full resource': 200,
      'notify: a Patient (ignored)': 200,
      'notify: backport full-resource': 200,
      'notify: backport id-only': 200,
      'notify: backport handshake': 200,
      'notify: empty (sweep)': 200,
      'notify: Medplum delete': 200,
      'notify: HAPI PUT with payload': 200,
      'notify: HAPI PUT empty': 200,
      'notify: bearer': 200,
      'notify: bad signature': 401,
      'notify: secret in the query': 401,
      'notify: malformed': 400,
      'notify: not JSON': 415,
      'notify: over 1 MiB': 413,
      'api: evaluate': 200,
      'api: evaluate without the API token': 401,
      'api: evaluate with a wrong API token': 401,
      'api: evaluate malformed': 400,
      'api: encounter': 200,
      'api: the webhook secret as API token': 401,
      'api: encounter 404': 404,
      healthz: 200,
      readyz: 200,
      metrics: 200,
      'unknown path': 404,
      'api: FHIR auth failed': 503,
      'api: FHIR down': 503,
      'notify: FHIR down': 503,
      'readyz: FHIR down': 503,
    });
  });

  test('the canary data and the search URLs did go through the service (so the search below can fail)', () => {
    const traffic = proxy.records.map((r) => `${r.url} ${r.request}`);
    expect(
      proxy.records.some((r) => r.request.includes('_revinclude') && r.response.includes('Zzyzx-Quokka')),
    ).toBe(true);
    expect(traffic.some((t) => t.includes('patient='))).toBe(true);
    expect(traffic.some((t) => t.includes('_lastUpdated'))).toBe(true);
    expect(proxy.records.some((r) => r.response.includes(NOTE))).toBe(true);
    expect(tokens.issued.length).toBeGreaterThan(0);
  });

  test('the logs cover the flows: request lines for every route and status, evaluations, failures, shutdown', () => {
    const lines = logLines(main.stdout());
    const http = lines.filter((l) => l.event === 'http');
    expect(new Set(http.map((l) => l.route))).toEqual(
      new Set([
        '/notify',
        '/notify/:type/:id',
        '/api/evaluate',
        '/api/encounters/:id/evaluate',
        '/healthz',
        '/readyz',
        '/metrics',
        'unmatched',
      ]),
    );
    expect(new Set(http.map((l) => l.status))).toEqual(new Set([200, 400, 401, 404, 413, 415, 503]));
    const events = new Set(lines.map((l) => l.event));
    for (const e of [
      'listening',
      'registered',
      'evaluated',
      'sweep-done',
      'fhir-auth-failed',
      'fhir-unavailable',
      'api-unauthorized',
      'shutdown',
    ])
      expect(events).toContain(e);
    expect(fhirLog).toContain('"event":"fhir-server.request"');
  });

  test.each(CANARIES)('never in the service output or the FHIR server log: %s (%s)', (canary) => {
    const everything = (output + fhirLog).toLowerCase();
    const at = everything.indexOf(canary.toLowerCase());
    expect(at === -1 ? '' : everything.slice(Math.max(0, at - 200), at + 100)).toBe('');
  });

  test('no access token issued to the service is logged', () => {
    for (const token of tokens.issued) expect(output + fhirLog).not.toContain(token);
  });

  test('every stdout line is a JSON log line with allowlisted fields (besides the start banner); stderr is empty', () => {
    const allowed = new Set<string>([...LOG_FIELDS, 'level', 'time', 'service', 'msg']);
    const stdout = main
      .stdout()
      .split('\n')
      .filter((l) => l !== '');
    expect(stdout.filter((l) => !l.startsWith('{'))).toEqual([
      expect.stringMatching(/^vialwise listening at http:\/\/localhost:\d+$/),
    ]);
    for (const line of logLines(main.stdout()))
      for (const key of Object.keys(line)) expect(allowed).toContain(key);
    expect(main.stderr()).toBe('');
  });

  test('the request line has the route template and status, no URL, query string or headers', () => {
    const line = logLines(main.stdout()).find(
      (l) => l.event === 'http' && l.route === '/api/encounters/:id/evaluate' && l.status === 200,
    );
    expect(line).toBeDefined();
    expect(Object.keys(line!).sort()).toEqual([
      'durationMs',
      'event',
      'level',
      'method',
      'msg',
      'route',
      'service',
      'status',
      'time',
    ]);
    expect(line).toMatchObject({
      method: 'POST',
      route: '/api/encounters/:id/evaluate',
      status: 200,
      msg: 'request',
    });
  });
});

describe('the logger allowlist itself', () => {
  function capture(): { logger: ReturnType<typeof createLogger>; text: () => string } {
    let text = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        text += chunk.toString('utf8');
        cb();
      },
    });
    return { logger: createLogger('trace', sink), text: () => text };
  }

  test('objects, arrays of objects, unknown fields, errors and their messages are dropped; ids, codes and counts stay', () => {
    const { logger, text } = capture();
    const patient = { resourceType: 'Patient', name: [{ text: NAME }], birthDate: BIRTH_DATE };
    logger.info(
      {
        event: 'x',
        resourceId: 'pat-1',
        count: 2,
        codes: ['missing-dose', 'ndc-missing'],
        patient,
        name: NAME,
        url: `/Patient?identifier=${MRN}`,
      },
      'first',
    );
    logger.info(
      { event: 'y', codes: [patient], gaps: [1, { note: NOTE }], reason: { text: NOTE } },
      'second',
    );
    logger.error(new Error(`upstream said ${NAME} ${MRN}`));
    logger.warn({ event: 'z', err: new Error(`${NOTE}`) }, 'third');
    logger.debug(
      { event: 'w', resource: patient, headers: { authorization: `Bearer ${WEBHOOK_SECRET}` } },
      'fourth',
    );
    const out = text();
    for (const [canary] of CANARIES.filter(([c]) => c !== '?'))
      expect(out.toLowerCase()).not.toContain(canary.toLowerCase());
    const lines = logLines(out);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({
      event: 'x',
      resourceId: 'pat-1',
      count: 2,
      codes: ['missing-dose', 'ndc-missing'],
    });
    expect(lines[1]).not.toHaveProperty('codes');
    expect(lines[1]).not.toHaveProperty('gaps');
    expect(lines[2]).toMatchObject({ level: 'error', errorCode: 'Error', msg: 'error' });
  });
});
