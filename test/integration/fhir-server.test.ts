/**
 * The embedded FHIR server over real HTTP on random ports: the REST behaviour a client relies on,
 * and Medplum-style subscription delivery to a real local receiver.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  Basic,
  Bundle,
  CapabilityStatement,
  OperationOutcome,
  Resource,
  Subscription,
} from '@medplum/fhirtypes';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  startEmbeddedFhirServer,
  SUBSCRIPTION_MAX_ATTEMPTS_URL,
  SUBSCRIPTION_SECRET_URL,
} from '../../src/fhir-server/index.ts';
import type { EmbeddedFhirServer } from '../../src/fhir-server/index.ts';
import { silentLogger } from '../../src/logger.ts';

const FHIR_JSON = 'application/fhir+json';
const TEST_SYSTEM = 'https://vialwise.test/sid';

// Response bodies are asserted field by field; typing each one would only restate the assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function call(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Json }> {
  const res = await fetch(url, {
    method,
    headers: { accept: FHIR_JSON, ...(body === undefined ? {} : { 'content-type': FHIR_JSON }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

function expectOperationOutcome(res: { headers: Headers; json: Json }): OperationOutcome {
  expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
  expect(res.json.resourceType).toBe('OperationOutcome');
  expect(res.json.issue?.[0]?.severity).toBe('error');
  expect(JSON.stringify(res.json)).not.toMatch(/node_modules|\.ts:\d+|\n\s+at /);
  return res.json as OperationOutcome;
}

describe('embedded FHIR server: REST', () => {
  let server: EmbeddedFhirServer;
  let base: string;

  beforeAll(async () => {
    server = await startEmbeddedFhirServer({ port: 0, logger: silentLogger });
    base = server.baseUrl;
  });
  afterAll(async () => {
    await server.stop();
  });

  test('baseUrl is http://127.0.0.1:PORT/fhir/R4', () => {
    expect(base).toBe(`http://127.0.0.1:${server.port}/fhir/R4`);
    expect(server.port).toBeGreaterThan(0);
  });

  test('GET metadata returns an R4 CapabilityStatement listing types and interactions', async () => {
    const res = await call('GET', `${base}/metadata`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const cs = res.json as CapabilityStatement;
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.kind).toBe('instance');
    const rest = cs.rest?.[0];
    expect(rest?.interaction?.map((i) => i.code)).toEqual(expect.arrayContaining(['transaction', 'batch']));
    const ma = rest?.resource?.find((r) => r.type === 'MedicationAdministration');
    expect(ma?.interaction?.map((i) => i.code)).toEqual(
      expect.arrayContaining(['read', 'vread', 'create', 'update', 'delete', 'search-type']),
    );
    expect(ma?.searchParam?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['patient', 'status', 'context']),
    );
    expect(rest?.resource?.some((r) => r.type === 'Claim')).toBe(true);
  });

  test('metadata lists profiles added later', async () => {
    const url = 'https://vialwise.dev/fhir/StructureDefinition/test-claim';
    server.addProfiles([{ type: 'Claim', url }]);
    const res = await call('GET', `${base}/metadata`);
    const claim = (res.json as CapabilityStatement).rest?.[0]?.resource?.find((r) => r.type === 'Claim');
    expect(claim?.supportedProfile).toContain(url);
  });

  test('create returns 201 with Location and ETag; read and vread give ETag and Last-Modified', async () => {
    const created = await call('POST', `${base}/Patient`, { resourceType: 'Patient', active: true });
    expect(created.status).toBe(201);
    const { id, meta } = created.json as Resource;
    expect(id).toBeTruthy();
    expect(created.headers.get('location')).toBe(`${base}/Patient/${id}/_history/${meta?.versionId}`);
    expect(created.headers.get('etag')).toBe(`W/"${meta?.versionId}"`);

    const read = await call('GET', `${base}/Patient/${id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe(`W/"${meta?.versionId}"`);
    expect(read.headers.get('last-modified')).toBe(new Date(meta?.lastUpdated as string).toUTCString());
    expect(read.json.active).toBe(true);

    const vread = await call('GET', `${base}/Patient/${id}/_history/${meta?.versionId}`);
    expect(vread.status).toBe(200);
    expect(vread.headers.get('etag')).toBe(`W/"${meta?.versionId}"`);

    const notModified = await fetch(`${base}/Patient/${id}`, {
      headers: { 'if-none-match': `W/"${meta?.versionId}"` },
    });
    expect(notModified.status).toBe(304);
  });

  test('update with a stale If-Match gives 412 OperationOutcome; the current one succeeds', async () => {
    const created = await call('POST', `${base}/Patient`, { resourceType: 'Patient', active: true });
    const v1 = created.json as Resource;
    const ok = await call(
      'PUT',
      `${base}/Patient/${v1.id}`,
      { ...v1, active: false },
      { 'if-match': `W/"${v1.meta?.versionId}"` },
    );
    expect(ok.status).toBe(200);
    const v2 = ok.json as Resource;
    expect(v2.meta?.versionId).not.toBe(v1.meta?.versionId);
    expect(ok.headers.get('etag')).toBe(`W/"${v2.meta?.versionId}"`);

    const stale = await call(
      'PUT',
      `${base}/Patient/${v1.id}`,
      { ...v1, active: true },
      { 'if-match': `W/"${v1.meta?.versionId}"` },
    );
    expect(stale.status).toBe(412);
    expectOperationOutcome(stale);
    expect((await call('GET', `${base}/Patient/${v1.id}`)).json.active).toBe(false);
  });

  test('update of a missing id creates it with 201', async () => {
    const res = await call('PUT', `${base}/Patient/client-chosen-1`, {
      resourceType: 'Patient',
      id: 'client-chosen-1',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${base}/Patient/client-chosen-1/_history/`));
  });

  test('conditional create with If-None-Exist twice creates one resource', async () => {
    const identifier = [{ system: TEST_SYSTEM, value: 'conditional-1' }];
    const ifNoneExist = { 'if-none-exist': `identifier=${TEST_SYSTEM}|conditional-1` };
    const first = await call('POST', `${base}/Patient`, { resourceType: 'Patient', identifier }, ifNoneExist);
    const second = await call(
      'POST',
      `${base}/Patient`,
      { resourceType: 'Patient', identifier },
      ifNoneExist,
    );
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.json.id).toBe(first.json.id);
    const search = await call(
      'GET',
      `${base}/Patient?identifier=${encodeURIComponent(`${TEST_SYSTEM}|conditional-1`)}`,
    );
    expect(search.json.total).toBe(1);
  });

  test('search pages by 50 with next links that, followed, return all 120 resources', async () => {
    const entry = Array.from({ length: 120 }, (_, i) => ({
      resource: {
        resourceType: 'Basic',
        code: { coding: [{ system: TEST_SYSTEM, code: 'paging' }] },
        identifier: [{ value: String(i) }],
      },
      request: { method: 'POST', url: 'Basic' },
    }));
    const batch = await call('POST', base, { resourceType: 'Bundle', type: 'batch', entry });
    expect(batch.status).toBe(200);
    expect(
      (batch.json as Bundle).entry?.every(
        (e) => e.response?.status === '201' && e.fullUrl?.startsWith(`${base}/Basic/`),
      ),
    ).toBe(true);

    const seen = new Set<string>();
    let url: string | undefined = `${base}/Basic?code=${encodeURIComponent(`${TEST_SYSTEM}|paging`)}`;
    const pageSizes: number[] = [];
    while (url) {
      const page = await call('GET', url);
      expect(page.status).toBe(200);
      const bundle = page.json as Bundle;
      expect(bundle.total).toBe(120);
      expect(bundle.link?.find((l) => l.relation === 'self')?.url).toMatch(
        /^http:\/\/127\.0\.0\.1:\d+\/fhir\/R4\/Basic\?/,
      );
      pageSizes.push(bundle.entry?.length ?? 0);
      for (const e of bundle.entry ?? []) {
        expect(e.fullUrl).toBe(`${base}/Basic/${e.resource?.id}`);
        seen.add(e.resource?.id as string);
      }
      url = bundle.link?.find((l) => l.relation === 'next')?.url;
      expect(pageSizes.length).toBeLessThan(10);
    }
    expect(pageSizes).toEqual([50, 50, 20]);
    expect(seen.size).toBe(120);

    const small = await call(
      'GET',
      `${base}/Basic?code=${encodeURIComponent(`${TEST_SYSTEM}|paging`)}&_count=7&_offset=14`,
    );
    expect(small.json.entry).toHaveLength(7);
    expect(small.json.link.find((l: { relation: string }) => l.relation === 'next').url).toContain(
      '_offset=21',
    );
    expect(small.json.link.find((l: { relation: string }) => l.relation === 'previous').url).toContain(
      '_offset=7',
    );

    const form = await fetch(`${base}/Basic/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code: `${TEST_SYSTEM}|paging`, _count: '100' }).toString(),
    });
    const formBundle = (await form.json()) as Bundle;
    expect(formBundle.entry).toHaveLength(100);
    expect(formBundle.link?.find((l) => l.relation === 'next')?.url).toContain('_offset=100');
  });

  test('unknown or unsupported search parameters give 400 instead of an empty page', async () => {
    const unknown = await call('GET', `${base}/Patient?no-such-param=1`);
    expect(unknown.status).toBe(400);
    expect(expectOperationOutcome(unknown).issue[0]?.details?.text).toContain('no-such-param');
    const quantity = await call('GET', `${base}/Observation?value-quantity=5`);
    expect(quantity.status).toBe(400);
  });

  test('conditional writes with unknown or missing criteria give 400 instead of duplicates or no-ops', async () => {
    const typo = { 'if-none-exist': `identifer=${TEST_SYSTEM}|typo` };
    const create = await call('POST', `${base}/Patient`, { resourceType: 'Patient' }, typo);
    expect(create.status).toBe(400);
    expectOperationOutcome(create);
    const update = await call('PUT', `${base}/Patient?identifer=${TEST_SYSTEM}|typo`, {
      resourceType: 'Patient',
    });
    expect(update.status).toBe(400);
    const deleteAll = await call('DELETE', `${base}/Patient`);
    expect(deleteAll.status).toBe(400);
    expectOperationOutcome(deleteAll);
  });

  test('transaction resolves urn:uuid references and answers with fullUrl, location and etag', async () => {
    const patientUrn = 'urn:uuid:5f2a8f3e-8d1c-4b7e-9a0f-2b3c4d5e6f70';
    const res = await call('POST', base, {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: patientUrn,
          resource: { resourceType: 'Patient', active: true },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: {
            resourceType: 'Encounter',
            status: 'finished',
            class: { code: 'AMB' },
            subject: { reference: patientUrn },
          },
          request: { method: 'POST', url: 'Encounter' },
        },
      ],
    });
    expect(res.status).toBe(200);
    const bundle = res.json as Bundle;
    expect(bundle.type).toBe('transaction-response');
    const [patientEntry, encounterEntry] = bundle.entry ?? [];
    expect(patientEntry?.response?.status).toBe('201');
    expect(patientEntry?.fullUrl).toBe(`${base}/Patient/${patientEntry?.resource?.id}`);
    expect(patientEntry?.response?.etag).toBe(`W/"${patientEntry?.resource?.meta?.versionId}"`);
    expect(patientEntry?.response?.location).toMatch(
      new RegExp(`^Patient/${patientEntry?.resource?.id}/_history/`),
    );
    const encounter = await call('GET', `${base}/Encounter/${encounterEntry?.resource?.id}`);
    expect(encounter.json.subject.reference).toBe(`Patient/${patientEntry?.resource?.id}`);
  });

  test('malformed JSON gives 400 OperationOutcome', async () => {
    const res = await call('POST', `${base}/Patient`, '{"resourceType": "Patient",');
    expect(res.status).toBe(400);
    expectOperationOutcome(res);
  });

  test('a body over the limit gives 413 OperationOutcome', async () => {
    const res = await call('POST', `${base}/Basic`, {
      resourceType: 'Basic',
      text: { status: 'generated', div: 'x'.repeat(6 * 1024 * 1024) },
    });
    expect(res.status).toBe(413);
    expectOperationOutcome(res);
  });

  test('a body that is not JSON gives 415 OperationOutcome', async () => {
    const res = await call('POST', `${base}/Patient`, '<Patient/>', {
      'content-type': 'application/fhir+xml',
    });
    expect(res.status).toBe(415);
    expectOperationOutcome(res);
  });

  test('unknown routes, resource types and ids give 404 OperationOutcome', async () => {
    for (const url of [
      `http://127.0.0.1:${server.port}/nope`,
      `${base}/NotAType`,
      `${base}/Patient/a/b/c/d`,
      `${base}/Patient/missing-id`,
    ]) {
      const res = await call('GET', url);
      expect(res.status, url).toBe(404);
      expectOperationOutcome(res);
    }
  });
});

describe('embedded FHIR server: lifecycle', () => {
  test('restart() keeps the port, the data and the subscriptions; stop() is idempotent', async () => {
    const server = await startEmbeddedFhirServer({ port: 0, logger: silentLogger });
    try {
      const created = await call('POST', `${server.baseUrl}/Basic`, {
        resourceType: 'Basic',
        code: { text: 'kept' },
      });
      await server.restart();
      // The client's pooled connection was cut by the restart; a client retries once, as MedplumClient does.
      const read = await call('GET', `${server.baseUrl}/Basic/${created.json.id}`).catch(() =>
        call('GET', `${server.baseUrl}/Basic/${created.json.id}`),
      );
      expect(read.status).toBe(200);
      expect(read.json.code.text).toBe('kept');
    } finally {
      await server.stop();
      await server.stop();
    }
    await expect(fetch(`${server.baseUrl}/metadata`)).rejects.toThrow();
  });
});

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface Receiver {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

/** A webhook receiver on a random port; answers with `statuses` in turn, then 200. */
async function startReceiver(statuses: number[] = []): Promise<Receiver> {
  const received: Received[] = [];
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/notify`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

function signatureOk(body: string, secret: string, signature: unknown): boolean {
  if (typeof signature !== 'string') return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(body).digest('hex'));
  const actual = Buffer.from(signature);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

describe('embedded FHIR server: subscription delivery', () => {
  let server: EmbeddedFhirServer;
  let receiver: Receiver | undefined;
  const secret = 'test-secret-0123456789';

  async function start(statuses: number[] = [], retryBaseDelayMs = 20): Promise<Receiver> {
    server = await startEmbeddedFhirServer({ port: 0, logger: silentLogger, delivery: { retryBaseDelayMs } });
    receiver = await startReceiver(statuses);
    return receiver;
  }

  async function subscribe(
    criteria: string,
    extension: Subscription['extension'] = [],
  ): Promise<Subscription> {
    const res = await call('POST', `${server.baseUrl}/Subscription`, {
      resourceType: 'Subscription',
      status: 'active',
      reason: 'test',
      criteria,
      channel: {
        type: 'rest-hook',
        endpoint: receiver?.url,
        payload: FHIR_JSON,
        header: ['X-Test-Token: abc:def'],
      },
      extension: [{ url: SUBSCRIPTION_SECRET_URL, valueString: secret }, ...(extension ?? [])],
    });
    expect(res.status).toBe(201);
    return res.json as Subscription;
  }

  afterEach(async () => {
    await server.stop();
    await receiver?.close();
    receiver = undefined;
  });

  test('a matching create is POSTed once, in full, signed; a non-matching one is not', async () => {
    const rx = await start();
    const subscription = await subscribe('MedicationAdministration?status=completed');
    const administration = {
      resourceType: 'MedicationAdministration',
      status: 'completed',
      medicationCodeableConcept: {
        coding: [{ system: 'http://hl7.org/fhir/sid/ndc', code: '0069-0101-01' }],
      },
      subject: { reference: 'Patient/p1' },
      effectiveDateTime: '2025-01-15T10:00:00Z',
    };
    const created = await call('POST', `${server.baseUrl}/MedicationAdministration`, administration);
    const other = await call('POST', `${server.baseUrl}/MedicationAdministration`, {
      ...administration,
      status: 'in-progress',
    });
    expect(created.status).toBe(201);
    expect(other.status).toBe(201);
    await server.deliveries.idle();

    expect(rx.received).toHaveLength(1);
    const [hit] = rx.received;
    expect(JSON.parse(hit!.body)).toEqual(created.json);
    expect(hit!.headers['content-type']).toBe(FHIR_JSON);
    expect(hit!.headers['x-medplum-subscription']).toBe(subscription.id);
    expect(hit!.headers['x-medplum-interaction']).toBe('create');
    expect(hit!.headers['x-test-token']).toBe('abc:def');
    expect(signatureOk(hit!.body, secret, hit!.headers['x-signature'])).toBe(true);
    expect(signatureOk(hit!.body, 'wrong-secret', hit!.headers['x-signature'])).toBe(false);
    expect(server.deliveries.attempts).toMatchObject([
      { subscriptionId: subscription.id, attempt: 1, status: 200, ok: true },
    ]);
  });

  test('writes inside a transaction notify too, with interaction update for an update', async () => {
    const rx = await start();
    await subscribe('Basic');
    const created = await call('POST', `${server.baseUrl}/Basic`, {
      resourceType: 'Basic',
      code: { text: 'x' },
    });
    const id = created.json.id as string;
    const tx = await call('POST', server.baseUrl, {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Basic', id, code: { text: 'y' } },
          request: { method: 'PUT', url: `Basic/${id}` },
        },
      ],
    });
    expect(tx.status).toBe(200);
    await server.deliveries.idle();
    expect(rx.received.map((r) => r.headers['x-medplum-interaction'])).toEqual(['create', 'update']);
    expect(JSON.parse(rx.received[1]!.body).code.text).toBe('y');
  });

  test('a receiver answering 500 twice then 200 gets 3 attempts', async () => {
    const rx = await start([500, 500]);
    await subscribe('Basic');
    await call('POST', `${server.baseUrl}/Basic`, { resourceType: 'Basic', code: { text: 'retry' } });
    await server.deliveries.idle();
    expect(rx.received).toHaveLength(3);
    expect(new Set(rx.received.map((r) => r.body)).size).toBe(1);
    expect(server.deliveries.attempts.map((a) => [a.attempt, a.status, a.final])).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 200, true],
    ]);
  });

  test('the max-attempts extension caps the attempts', async () => {
    const rx = await start([500, 500, 500, 500, 500]);
    await subscribe('Basic', [{ url: SUBSCRIPTION_MAX_ATTEMPTS_URL, valueInteger: 2 }]);
    await call('POST', `${server.baseUrl}/Basic`, { resourceType: 'Basic', code: { text: 'give up' } });
    await server.deliveries.idle();
    expect(rx.received).toHaveLength(2);
    expect(server.deliveries.attempts.at(-1)).toMatchObject({ attempt: 2, ok: false, final: true });
  });

  test('a retried version is delivered before the next version of the same resource', async () => {
    const rx = await start([503]);
    await subscribe('Basic');
    const v1 = await call('POST', `${server.baseUrl}/Basic`, { resourceType: 'Basic', code: { text: 'v1' } });
    await call('PUT', `${server.baseUrl}/Basic/${v1.json.id}`, { ...v1.json, code: { text: 'v2' } });
    await server.deliveries.idle();
    expect(rx.received.map((r) => (JSON.parse(r.body) as Basic).code.text)).toEqual(['v1', 'v1', 'v2']);
  });

  test('a delete delivers {} with interaction delete', async () => {
    const rx = await start();
    await subscribe('Basic');
    const created = await call('POST', `${server.baseUrl}/Basic`, {
      resourceType: 'Basic',
      code: { text: 'to delete' },
    });
    const deleted = await call('DELETE', `${server.baseUrl}/Basic/${created.json.id}`);
    expect(deleted.status).toBe(200);
    await server.deliveries.idle();
    expect(rx.received).toHaveLength(2);
    const last = rx.received[1]!;
    expect(last.body).toBe('{}');
    expect(last.headers['x-medplum-interaction']).toBe('delete');
    expect(last.headers['x-medplum-deleted-resource']).toBe(`Basic/${created.json.id}`);
    expect(signatureOk(last.body, secret, last.headers['x-signature'])).toBe(true);
  });

  test('stop() cancels pending retries promptly', async () => {
    const rx = await start([500, 500, 500], 60_000);
    await subscribe('Basic');
    await call('POST', `${server.baseUrl}/Basic`, { resourceType: 'Basic', code: { text: 'stop' } });
    await expect.poll(() => rx.received.length).toBe(1);
    expect(server.deliveries.pending).toBe(1);
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(server.deliveries.pending).toBe(0);
    await server.deliveries.idle();
    expect(rx.received).toHaveLength(1);
  });
});
