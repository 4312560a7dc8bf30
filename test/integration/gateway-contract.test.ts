/**
 * The gateway contract, run twice: the MedplumClient gateway over real HTTP to the embedded FHIR
 * server, and the in-process gateway over the same server's request handler without a socket.
 * Every row must hold for both, so a service test that uses the in-process gateway sees what it
 * would see over HTTP.
 */
import { getStatus, OperationOutcomeError } from '@medplum/core';
import type { Basic, Bundle, Claim, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createGateway,
  isPreconditionFailed,
  isUnavailable,
  searchAll,
  type FhirGateway,
} from '../../src/fhir/gateway.ts';
import { createInProcessGateway } from '../../src/fhir/in-process-gateway.ts';
import { upstreamStatus } from '../../src/fhir/outcomes.ts';
import { createInProcessFhirServer, type InProcessFhirServer } from '../../src/fhir-server/in-process.ts';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../../src/fhir-server/index.ts';
import { silentLogger } from '../../src/logger.ts';

const SID = 'https://vialwise.test/sid/contract';

interface Subject {
  readonly gateway: FhirGateway;
  readonly requests: () => number;
  stop(): Promise<void>;
}

async function overHttp(): Promise<Subject> {
  const server: EmbeddedFhirServer = await startEmbeddedFhirServer({ port: 0, logger: silentLogger });
  let n = 0;
  const gateway = createGateway({
    baseUrl: server.baseUrl,
    retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5_000 },
    hooks: { onRequest: () => n++ },
  });
  return { gateway, requests: () => n, stop: () => server.stop() };
}

function inProcess(): Subject {
  const server: InProcessFhirServer = createInProcessFhirServer({ logger: silentLogger });
  let n = 0;
  const gateway = createInProcessGateway({ handle: server.handle, hooks: { onRequest: () => n++ } });
  return { gateway, requests: () => n, stop: () => server.stop() };
}

const basic = (code: string, value?: string): Basic => ({
  resourceType: 'Basic',
  code: { coding: [{ system: SID, code }] },
  ...(value ? { identifier: [{ system: SID, value }] } : {}),
});

describe.each([
  ['MedplumClient over HTTP', overHttp],
  ['in process', async () => Promise.resolve(inProcess())],
])('gateway contract: %s', (_name, start) => {
  let subject: Subject;
  let gateway: FhirGateway;
  beforeAll(async () => {
    subject = await start();
    gateway = subject.gateway;
  });
  afterAll(() => subject?.stop());

  test('create gives an id and a version; read returns the same version', async () => {
    const created = await gateway.create(basic('a'));
    expect(created.id).toMatch(/.+/);
    expect(created.meta?.versionId).toMatch(/.+/);
    const read = await gateway.read<Basic>('Basic', created.id!);
    expect(read.meta?.versionId).toBe(created.meta?.versionId);
    expect(read.code?.coding?.[0]?.code).toBe('a');
  });

  test('update with If-Match: the current version wins, a stale one is a 412', async () => {
    const v1 = await gateway.create(basic('b'));
    const v2 = await gateway.update({ ...v1, code: { text: 'two' } }, { ifMatch: v1.meta!.versionId! });
    expect(v2.meta?.versionId).not.toBe(v1.meta?.versionId);
    const stale = await gateway
      .update({ ...v1, code: { text: 'three' } }, { ifMatch: v1.meta!.versionId! })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(OperationOutcomeError);
    expect(isPreconditionFailed(stale)).toBe(true);
    expect((await gateway.read<Basic>('Basic', v1.id!)).code?.text).toBe('two');
  });

  test('conditional create returns the existing match instead of a second resource', async () => {
    const first = await gateway.create(basic('c', 'one-only'), { ifNoneExist: `identifier=${SID}|one-only` });
    const again = await gateway.create(basic('c', 'one-only'), { ifNoneExist: `identifier=${SID}|one-only` });
    expect(again.id).toBe(first.id);
    const { matches } = await searchAll(gateway, `Basic?identifier=${encodeURIComponent(`${SID}|one-only`)}`);
    expect(matches).toHaveLength(1);
  });

  test('a missing resource is a 404 OperationOutcomeError, not an unavailable server', async () => {
    const err = await gateway.read('Basic', 'does-not-exist').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationOutcomeError);
    expect(getStatus((err as OperationOutcomeError).outcome)).toBe(404);
    expect(upstreamStatus(err)).toBe(404);
    expect(isUnavailable(err)).toBe(false);
  });

  test('an unknown search parameter is a 400 OperationOutcomeError', async () => {
    const err = await searchAll(gateway, 'Basic?no-such-parameter=1').catch((e: unknown) => e);
    expect(upstreamStatus(err)).toBe(400);
  });

  test('searches are paged by next links, and every page is read', async () => {
    for (let i = 0; i < 7; i++) await gateway.create(basic('paged'));
    const before = subject.requests();
    const pages: Bundle[] = [];
    for await (const page of gateway.searchPages(`Basic?code=${encodeURIComponent(`${SID}|paged`)}&_count=3`))
      pages.push(page);
    expect(pages.map((p) => p.entry?.length ?? 0)).toEqual([3, 3, 1]);
    expect(pages[0]?.total).toBe(7);
    expect(subject.requests() - before).toBe(3);
  });

  test('a search inside a batch carries its next link, and pagesAfter follows it', async () => {
    const response = await gateway.batch({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: `Basic?code=${encodeURIComponent(`${SID}|paged`)}&_count=4` } },
        { request: { method: 'GET', url: `Basic?code=${encodeURIComponent(`${SID}|none`)}&_count=4` } },
      ],
    });
    const first = response.entry?.[0]?.resource as Bundle;
    expect(first.entry).toHaveLength(4);
    const rest: Resource[] = [];
    for await (const page of gateway.pagesAfter(first))
      rest.push(...(page.entry ?? []).map((e) => e.resource as Resource));
    expect(rest).toHaveLength(3);
    const ids = new Set([...(first.entry ?? []).map((e) => e.resource?.id), ...rest.map((r) => r.id)]);
    expect(ids.size).toBe(7);
    const empty = response.entry?.[1]?.resource as Bundle;
    expect(empty.entry ?? []).toHaveLength(0);
    expect(empty.link?.some((l) => l.relation === 'next')).toBe(false);
  });

  test('a transaction resolves urn:uuid references and answers with locations and versions', async () => {
    const response = await gateway.transaction({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:3f1c1b7e-4a53-4b3e-9a43-2b7e5a9c1d21',
          resource: { resourceType: 'Patient', name: [{ family: 'Contract' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: {
            resourceType: 'Claim',
            status: 'draft',
            use: 'claim',
            type: { text: 'x' },
            created: '2026-01-01',
            provider: { display: 'x' },
            priority: { text: 'normal' },
            insurance: [],
            patient: { reference: 'urn:uuid:3f1c1b7e-4a53-4b3e-9a43-2b7e5a9c1d21' },
          },
          request: { method: 'POST', url: 'Claim' },
        },
      ],
    });
    const [patient, claim] = response.entry ?? [];
    expect(patient?.response?.status).toMatch(/^201/);
    expect(patient?.response?.location).toMatch(/^Patient\/[^/]+\/_history\/.+/);
    expect(patient?.response?.etag).toMatch(/^W\/".+"$/);
    const patientId = patient?.response?.location?.split('/')[1];
    expect((claim?.resource as Claim).patient.reference).toBe(`Patient/${patientId}`);
  });

  test('metadata is a CapabilityStatement', async () => {
    expect((await gateway.metadata()).resourceType).toBe('CapabilityStatement');
  });
});
