/**
 * The one error class, the one registry and the one error handler: each kind of failure becomes
 * an OperationOutcome with the registry's status, text and Retry-After, and nothing the FHIR
 * server said reaches the client.
 */
import { badRequest, OperationOutcomeError } from '@medplum/core';
import { readFileSync } from 'node:fs';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { ERRORS, errorSpec, VialwiseError } from '../../src/domain/errors.ts';
import { FhirUnavailableError } from '../../src/fhir/http-fetch.ts';
import { upstreamError } from '../../src/fhir/outcomes.ts';
import { errorHandler, outcomeFor } from '../../src/http/errors.ts';
import { silentLogger } from '../../src/logger.ts';

async function answer(err: unknown): Promise<{
  status: number;
  retryAfter: string | null;
  body: { resourceType: string; id?: string; issue: { code?: string; details?: { text?: string } }[] };
}> {
  const app = express();
  app.get('/', () => {
    throw err;
  });
  app.use(errorHandler(silentLogger));
  const server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as never,
    };
  } finally {
    server.close();
  }
}

describe('errorHandler', () => {
  it.each([
    ['the FHIR server unavailable', new FhirUnavailableError('down'), 503],
    [
      'writes that kept conflicting',
      new VialwiseError('write-conflict', 'Encounter e1: writes kept conflicting'),
      503,
    ],
  ])('%s: 503 with Retry-After, so the sender retries', async (_label, err, status) => {
    const r = await answer(err);
    expect(r.status).toBe(status);
    expect(r.retryAfter).toBe('5');
    expect(r.body.resourceType).toBe('OperationOutcome');
  });

  it('an unknown Encounter: 404', async () => {
    expect((await answer(new VialwiseError('encounter-not-found', 'Encounter x not found'))).status).toBe(
      404,
    );
  });

  it("a request the FHIR server refused (400): 502, never the server's status or words", async () => {
    const upstream = new OperationOutcomeError(
      badRequest('Transaction requires strict isolation but has too many entries (HAPI-1234 at /srv/x.java)'),
    );
    const r = await answer(upstream);
    expect(r.status).toBe(502);
    expect(r.body.id).toBe('fhir-refused');
    expect(JSON.stringify(r.body)).not.toMatch(/strict isolation|HAPI|java/);
  });

  it('the FHIR server refusing the service credentials (401/403): 503 with Retry-After', async () => {
    for (const status of [401, 403]) {
      const r = await answer(upstreamError(status, { resourceType: 'OperationOutcome', issue: [] }));
      expect(r.status).toBe(503);
      expect(r.retryAfter).toBe('5');
      expect(r.body.id).toBe('fhir-auth-failed');
    }
  });

  it("vialwise's own words reach the client only when it wrote them for the client", async () => {
    const r = await answer(
      new VialwiseError('invalid-body', 'parse failed at byte 17 of /tmp/x', {
        publicText: 'Body is not valid JSON',
      }),
    );
    expect(r.status).toBe(400);
    expect(r.body.issue[0]?.details?.text).toBe('Body is not valid JSON');
    expect(JSON.stringify(r.body)).not.toContain('/tmp/x');
  });

  it('anything else: 500 with a generic message, no internals', async () => {
    const r = await answer(new TypeError('Cannot read properties of undefined (reading "secret-detail")'));
    expect(r.status).toBe(500);
    expect(JSON.stringify(r.body)).not.toContain('secret-detail');
  });
});

describe('the error registry', () => {
  it('gives every code a status, a text and, for 503, a Retry-After', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(spec.status, code).toBeGreaterThanOrEqual(400);
      expect(spec.text.length, code).toBeGreaterThan(0);
      if (spec.status === 503) expect((spec as { retryAfter?: number }).retryAfter, code).toBeGreaterThan(0);
    }
  });

  it('is listed in docs/operations.md, each code with its status', () => {
    const doc = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    for (const [code, spec] of Object.entries(ERRORS)) {
      const row = doc.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${code}\``));
      expect(row, code).toBeDefined();
      expect(row, code).toContain(`| ${spec.status} |`);
    }
  });

  it('answers an unregistered code as an internal error', () => {
    expect(errorSpec('no-such-code')).toEqual(ERRORS.internal);
  });

  it("builds 4xx outcomes with Medplum's helpers and the code as the outcome id", () => {
    expect(outcomeFor('unauthorized')).toMatchObject({ id: 'unauthorized', issue: [{ code: 'login' }] });
    expect(outcomeFor('invalid-body', 'x')).toMatchObject({
      id: 'invalid-body',
      issue: [{ code: 'invalid', details: { text: 'x' } }],
    });
    expect(outcomeFor('fhir-unavailable')).toMatchObject({
      id: 'fhir-unavailable',
      issue: [{ code: 'transient' }],
    });
  });
});
