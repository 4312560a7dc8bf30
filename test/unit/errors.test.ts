/** The one error handler: each kind of failure becomes an OperationOutcome with the right status. */
import express from 'express';
import { describe, expect, it } from 'vitest';
import { WriteConflictError } from '../../src/evaluate/evaluate-encounter.ts';
import { FhirUnavailableError } from '../../src/fhir/http-fetch.ts';
import { EncounterNotFoundError } from '../../src/fhir/read-context.ts';
import { errorHandler } from '../../src/http/errors.ts';
import { silentLogger } from '../../src/logger.ts';

async function answer(err: unknown): Promise<{
  status: number;
  retryAfter: string | null;
  body: { resourceType: string; issue: { details?: { text?: string } }[] };
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
    ['writes that kept conflicting', new WriteConflictError('Encounter e1: writes kept conflicting'), 503],
  ])('%s: 503 with Retry-After, so the sender retries', async (_label, err, status) => {
    const r = await answer(err);
    expect(r.status).toBe(status);
    expect(r.retryAfter).toBe('5');
    expect(r.body.resourceType).toBe('OperationOutcome');
  });

  it('an unknown Encounter: 404', async () => {
    expect((await answer(new EncounterNotFoundError('Encounter x not found'))).status).toBe(404);
  });

  it('anything else: 500 with a generic message, no internals', async () => {
    const r = await answer(new TypeError('Cannot read properties of undefined (reading "secret-detail")'));
    expect(r.status).toBe(500);
    expect(JSON.stringify(r.body)).not.toContain('secret-detail');
  });
});
