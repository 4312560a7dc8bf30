/**
 * Issue 12's I/O findings over the service's real HTTP interface, each reproduced as the issue
 * states it:
 *
 * - item 4: seven administrations without route or performer (13 gaps) were answered 400 and
 *   nothing was written; a write the FHIR server refuses is never the sender's 400;
 * - item 11: ids made only of dots are refused; the FHIR server's error text is never echoed;
 * - item 12: /readyz does not fetch the CapabilityStatement on every call; a deeply nested body
 *   is refused from its raw bytes, before JSON.parse;
 * - issue 11 item 8: `urn:uuid:` references in a posted Bundle bill like `Type/id` ones.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { badRequest } from '@medplum/core';
import type { Bundle, BundleEntry, MedicationAdministration, Resource } from '@medplum/fhirtypes';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Running } from '../../src/bootstrap.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { loadPayerRules } from '../../src/catalog/payer-rules.ts';
import { FHIR_ID } from '../../src/domain/vocabulary.ts';
import { Service } from '../../src/evaluate/service.ts';
import { createInProcessGateway } from '../../src/fhir/in-process-gateway.ts';
import { createInProcessFhirServer } from '../../src/fhir-server/in-process.ts';
import { createApp } from '../../src/http/app.ts';
import { silentLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/metrics.ts';
import {
  claimFor,
  disableSubscriptions,
  gapCode,
  goldenBundle,
  goldenResources,
  issuesFor,
  metricSum,
  metricsText,
  notifySigned,
  postJson,
  send,
  sign,
  TEST_SECRET,
  write,
} from '../support/notify.ts';
import { asTransaction, startTestService } from '../support/service.ts';

const C01 = '01-ed-asthma-methylpred-125-jz';
const READY_CACHE_MS = 300;
const C22 = '22-clinic-methylpred-40-missing-route-performer';

/** Golden case 22 with seven administrations of its undocumented methylprednisolone (13+ gaps). */
function sevenUndocumented(): { encounter: string; resources: Resource[] } {
  const resources = JSON.parse(
    JSON.stringify(goldenResources(C22)).replaceAll('golden-22', 'golden-22-x7'),
  ) as Resource[];
  const ma = resources.find(
    (r): r is MedicationAdministration => r.resourceType === 'MedicationAdministration',
  )!;
  const others = Array.from({ length: 6 }, (_, i) => ({
    ...ma,
    id: `${ma.id}-${i + 2}`,
    effectiveDateTime: `2025-11-04T09:${20 + i}:00-05:00`,
  }));
  return { encounter: 'enc-golden-22-x7', resources: [...resources, ...others] };
}

/** The status of a request whose path is sent byte for byte. */
function rawStatus(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('over the service with the embedded server', () => {
  let running: Running;
  beforeAll(async () => {
    running = await startTestService({}, { readyCacheMs: READY_CACHE_MS });
    await disableSubscriptions(running);
  });
  afterAll(() => running?.stop());
  afterEach(() => vi.restoreAllMocks());

  test('item 4: seven administrations without route or performer are written (not 400)', async () => {
    const { encounter, resources } = sevenUndocumented();
    await write(running, asTransaction(resources));
    const ma = resources.find((r) => r.resourceType === 'MedicationAdministration')!;
    const res = await notifySigned(running, JSON.stringify(ma));
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    const claim = await claimFor(running, encounter);
    expect(claim?.item?.length).toBeGreaterThan(0);
    const open = (await issuesFor(running, encounter)).filter((i) => i.status === 'preliminary');
    // Each of the seven lacks route and performer: 14 gaps.
    expect(open.map(gapCode).sort()).toEqual([
      ...Array<string>(7).fill('missing-performer'),
      ...Array<string>(7).fill('missing-route'),
    ]);
    // Replayed: nothing more.
    expect((await notifySigned(running, JSON.stringify(ma))).status).toBe(200);
    expect(await issuesFor(running, encounter)).toHaveLength(14);
  });

  test('item 11: ids made only of dots are refused, never sent to the FHIR server', async () => {
    for (const id of ['.', '..', '...', '-', '.-.']) expect(FHIR_ID.test(id), id).toBe(false);
    for (const id of ['a', 'ma-1.2', 'A0', '0']) expect(FHIR_ID.test(id), id).toBe(true);
    const before = metricSum(await metricsText(running), 'vialwise_fhir_requests_total');
    // Sent as written: fetch would resolve the dots in the path before sending.
    expect(await rawStatus(running.serviceUrl, 'POST', '/api/encounters/%2E%2E/evaluate')).toBe(400);
    expect(
      await rawStatus(running.serviceUrl, 'PUT', '/notify/MedicationAdministration/%2E%2E', {
        'x-signature': sign(''),
      }),
    ).toBe(400);
    const body = JSON.stringify({
      ...goldenResources(C01).find((r) => r.resourceType === 'MedicationAdministration'),
      id: '..',
    });
    expect((await notifySigned(running, body)).status).toBe(400);
    expect(metricSum(await metricsText(running), 'vialwise_fhir_requests_total')).toBe(before);
  });

  test('item 12: /readyz asks the FHIR server at most once for a burst of callers', async () => {
    await new Promise((r) => setTimeout(r, READY_CACHE_MS + 50)); // past any readiness answer already known
    const before = metricSum(await metricsText(running), 'vialwise_fhir_requests_total');
    const started = performance.now();
    const burst = await Promise.all(
      Array.from({ length: 30 }, () => send(`${running.serviceUrl}/readyz`, 'GET')),
    );
    for (let i = 0; i < 30; i++) burst.push(await send(`${running.serviceUrl}/readyz`, 'GET'));
    // At most one probe per cache period (a loaded machine may take more than one period).
    const periods = Math.ceil((performance.now() - started) / READY_CACHE_MS);
    expect(periods).toBeLessThan(30);
    expect(burst.every((r) => r.status === 200)).toBe(true);
    expect(
      metricSum(await metricsText(running), 'vialwise_fhir_requests_total') - before,
    ).toBeLessThanOrEqual(periods);
  });

  test('item 12: a 1 MiB deeply nested body is refused before JSON.parse sees it', async () => {
    const deep = '['.repeat(512 * 1024) + ']'.repeat(512 * 1024 - 1);
    expect(Buffer.byteLength(deep)).toBeLessThanOrEqual(1024 * 1024);
    const parse = vi.spyOn(JSON, 'parse');
    const res = await send(`${running.serviceUrl}/notify`, 'POST', deep, {
      'content-type': 'application/fhir+json',
      'x-signature': sign(deep),
    });
    expect(res.status).toBe(400);
    expect(res.json.issue[0].details.text).toMatch(/nested deeper/);
    expect(parse.mock.calls.some(([text]) => typeof text === 'string' && text.length > 1000)).toBe(false);
  });

  test('issue 11 item 8: a transaction Bundle with urn:uuid references bills like one with Type/id references', async () => {
    const plain = await postJson(running, '/api/evaluate', goldenBundle(C01));
    expect(plain.status).toBe(200);
    // The same resources as an EHR sends a transaction: no ids, urn:uuid fullUrls, references by urn.
    const source = goldenBundle(C01);
    const urn = new Map<string, string>();
    (source.entry ?? []).forEach((e, i) =>
      urn.set(
        `${e.resource!.resourceType}/${e.resource!.id}`,
        `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      ),
    );
    let text = JSON.stringify(source);
    for (const [ref, u] of urn) text = text.replaceAll(`"${ref}"`, `"${u}"`);
    const withUrns = JSON.parse(text) as Bundle;
    const transaction: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: (withUrns.entry ?? []).map((e: BundleEntry) => {
        const { id, ...resource } = e.resource!;
        return {
          fullUrl: urn.get(`${resource.resourceType}/${id}`) as string,
          resource: resource,
          request: { method: 'POST', url: resource.resourceType },
        };
      }),
    };
    const res = await postJson(running, '/api/evaluate', transaction);
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    const strip = (ev: {
      lines: { code: string; modifiers: string[]; units: number; dateOfService: string }[];
      gaps: { code: string }[];
    }) => ({
      lines: ev.lines.map((l) => [l.code, l.modifiers.join('+'), l.units, l.dateOfService]),
      gaps: ev.gaps.map((g) => g.code),
    });
    expect(strip(res.json.evaluation)).toEqual(strip(plain.json.evaluation));
    expect(res.json.evaluation.lines.length).toBeGreaterThan(0);
  });
});

describe('a FHIR server that refuses the write', () => {
  let server: Server;
  let url = '';
  const refusal =
    'Transaction requires strict isolation but has too many entries (pod fhir-7f9c, /srv/medplum)';

  beforeAll(async () => {
    const fhir = createInProcessFhirServer({ logger: silentLogger });
    const gateway = createInProcessGateway({
      handle: (req) => {
        const body = req.body as Bundle | undefined;
        if (
          req.method === 'POST' &&
          req.url === '/' &&
          (body?.type === 'transaction' || body?.type === 'batch') &&
          body.entry?.some((e) => e.request?.method !== 'GET')
        )
          return Promise.resolve({ status: 400, headers: {}, body: badRequest(refusal) });
        return fhir.handle(req);
      },
    });
    for (const r of goldenResources(C01)) await fhir.repo.updateResource(r);
    const metrics = createMetrics(false);
    const service = new Service({
      gateway,
      reference: { catalog: loadCatalog(), payerRules: loadPayerRules() },
      logger: silentLogger,
      metrics,
      sweepLookbackHours: 72,
    });
    const app = createApp({
      service,
      metrics,
      logger: silentLogger,
      webhookSecret: TEST_SECRET,
      apiAccess: { mode: 'open', hosts: ['127.0.0.1', 'localhost'] },
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test("answers the notification 502, never 400, and never with the server's words", async () => {
    const ma = goldenResources(C01).find((r) => r.resourceType === 'MedicationAdministration')!;
    const body = JSON.stringify(ma);
    const res = await send(`${url}/notify`, 'POST', body, {
      'content-type': 'application/fhir+json',
      'x-signature': sign(body),
    });
    expect(res.status).toBe(502);
    expect(res.json.id).toBe('fhir-refused');
    expect(res.text).not.toMatch(/strict isolation|fhir-7f9c|medplum/i);
  });
});
