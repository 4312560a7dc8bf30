/**
 * The FHIR fetch against servers other than Medplum: their error outcomes carry no Medplum id,
 * so the HTTP status must survive MedplumClient (a HAPI 412 is a version conflict, not a 400).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, isPreconditionFailed, isUnavailable } from '../../src/fhir/gateway.ts';
import { outcomeWithStatusId } from '../../src/fhir/http-fetch.ts';

let server: Server;
let base = '';
const answers = new Map<string, { status: number; body: string }>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const a = answers.get(`${req.method} ${req.url}`) ?? { status: 404, body: '<html>not here</html>' };
    res.writeHead(a.status, {
      'content-type': a.body.startsWith('{') ? 'application/fhir+json' : 'text/html',
    });
    res.end(a.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/fhir`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const hapiOutcome = (text: string) =>
  JSON.stringify({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'processing', diagnostics: text }],
  });

describe('error responses of any R4 server', () => {
  const gateway = () =>
    createGateway({ baseUrl: base, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 2_000 } });

  it('a HAPI-style 412 is recognised as a version conflict', async () => {
    answers.set('POST /fhir/', { status: 412, body: hapiOutcome('HAPI-0989: Invalid resource version') });
    const err = await gateway()
      .transaction({ resourceType: 'Bundle', type: 'transaction', entry: [] })
      .catch((e: unknown) => e);
    expect(isPreconditionFailed(err)).toBe(true);
  });

  it('a 500 means "try again later" (unavailable), not a client error', async () => {
    answers.set('POST /fhir/', { status: 500, body: hapiOutcome('NullPointerException at ca.uhn.fhir...') });
    const err = await gateway()
      .batch({ resourceType: 'Bundle', type: 'batch', entry: [] })
      .catch((e: unknown) => e);
    expect(isUnavailable(err)).toBe(true);
  });

  it('an HTML 404 page becomes a not-found OperationOutcome', () => {
    const out = JSON.parse(
      new TextDecoder().decode(outcomeWithStatusId(new TextEncoder().encode('<html>404</html>').buffer, 404)),
    ) as {
      id: string;
      resourceType: string;
    };
    expect(out).toMatchObject({ resourceType: 'OperationOutcome', id: 'not-found' });
  });

  it('a status without a Medplum id keeps its body', () => {
    const body = new TextEncoder().encode(hapiOutcome('bad')).buffer;
    expect(outcomeWithStatusId(body, 400)).toBe(body);
  });
});
