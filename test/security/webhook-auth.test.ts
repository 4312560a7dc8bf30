/**
 * `/notify` authentication over real HTTP (SPEC section 7): `X-Signature` (hex HMAC-SHA256 of the
 * raw body) or `Authorization: Bearer <WEBHOOK_SECRET>`; anything else is 401, the answer never
 * echoes the secret, and a refused notification starts no evaluation (the Encounter it names is
 * left unevaluated until an authenticated notification arrives).
 */
import type { MedicationAdministration } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Running } from '../../src/bootstrap.ts';
import {
  claimFor,
  disableSubscriptions,
  loadGolden,
  send,
  sign,
  TEST_SECRET,
  type HttpResult,
} from '../support/notify.ts';
import { searchResources, startTestService } from '../support/service.ts';

const C15 = '15-ed-methylpred-missing-diagnosis';
const ENC = 'enc-golden-15';

interface Case {
  readonly name: string;
  readonly method?: 'POST' | 'PUT';
  /** Query string appended to the URL. */
  readonly query?: string;
  /** Headers for the body that is sent; `sign(x)` helpers below build them. */
  readonly headers: (body: string) => Record<string, string>;
  /** Sends this instead of the body that was signed. */
  readonly send?: (body: string) => string;
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const refused: Case[] = [
  { name: 'no signature, no authorization', headers: () => ({}) },
  { name: 'empty X-Signature', headers: () => ({ 'x-signature': '' }) },
  { name: 'X-Signature of another body', headers: () => ({ 'x-signature': sign('{}') }) },
  {
    name: 'X-Signature with another secret',
    headers: (b) => ({ 'x-signature': sign(b, 'wrong-secret-0123456789abcdef') }),
  },
  {
    name: 'X-Signature, the same JSON re-serialised (pretty-printed)',
    headers: (b) => ({ 'x-signature': sign(b) }),
    send: (b) => JSON.stringify(JSON.parse(b), null, 2),
  },
  {
    name: 'X-Signature, the same JSON with keys reordered',
    headers: (b) => ({ 'x-signature': sign(b) }),
    send: (b) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(b) as object).reverse())),
  },
  {
    name: 'X-Signature, a trailing newline added',
    headers: (b) => ({ 'x-signature': sign(b) }),
    send: (b) => `${b}\n`,
  },
  { name: 'X-Signature truncated', headers: (b) => ({ 'x-signature': sign(b).slice(0, 32) }) },
  { name: 'X-Signature with a sha256= prefix', headers: (b) => ({ 'x-signature': `sha256=${sign(b)}` }) },
  {
    name: 'X-Signature in base64',
    headers: (b) => ({ 'x-signature': Buffer.from(sign(b), 'hex').toString('base64') }),
  },
  { name: 'the signature under another header name', headers: (b) => ({ 'x-hub-signature-256': sign(b) }) },
  { name: 'the secret in X-Signature', headers: () => ({ 'x-signature': TEST_SECRET }) },
  {
    name: 'a wrong X-Signature with a right bearer token',
    headers: () => ({ 'x-signature': sign('x'), authorization: `Bearer ${TEST_SECRET}` }),
  },
  { name: 'Bearer with no token', headers: () => ({ authorization: 'Bearer ' }) },
  {
    name: 'Bearer with a wrong token',
    headers: () => ({ authorization: 'Bearer not-the-secret-0123456789abc' }),
  },
  {
    name: 'Bearer with a prefix of the secret',
    headers: () => ({ authorization: `Bearer ${TEST_SECRET.slice(0, 12)}` }),
  },
  { name: 'Bearer with the secret and more', headers: () => ({ authorization: `Bearer ${TEST_SECRET}0` }) },
  {
    name: 'Basic with the secret as password',
    headers: () => ({ authorization: basic('vialwise', TEST_SECRET) }),
  },
  { name: 'Basic with the secret as user', headers: () => ({ authorization: basic(TEST_SECRET, '') }) },
  { name: 'the secret without a scheme', headers: () => ({ authorization: TEST_SECRET }) },
  { name: 'Token scheme', headers: () => ({ authorization: `Token ${TEST_SECRET}` }) },
  { name: 'the secret in its own header', headers: () => ({ 'x-webhook-secret': TEST_SECRET }) },
  { name: 'the secret in the query string', query: `?secret=${TEST_SECRET}`, headers: () => ({}) },
  {
    name: 'the secret as access_token in the query string',
    query: `?access_token=${TEST_SECRET}`,
    headers: () => ({}),
  },
  { name: 'the signature in the query string', query: '?signature=SIG', headers: () => ({}) },
  { name: 'HAPI PUT without a signature', method: 'PUT', headers: () => ({}) },
  {
    name: 'HAPI PUT with the signature of another body',
    method: 'PUT',
    headers: () => ({ 'x-signature': sign('{}') }),
  },
];

const accepted: Case[] = [
  { name: 'X-Signature of the raw body', headers: (b) => ({ 'x-signature': sign(b) }) },
  { name: 'X-Signature in upper-case hex', headers: (b) => ({ 'x-signature': sign(b).toUpperCase() }) },
  { name: 'Authorization: Bearer <secret>', headers: () => ({ authorization: `Bearer ${TEST_SECRET}` }) },
  {
    name: 'authorization: bearer <secret> (scheme is case-insensitive)',
    headers: () => ({ authorization: `bearer ${TEST_SECRET}` }),
  },
  { name: 'HAPI PUT with X-Signature', method: 'PUT', headers: (b) => ({ 'x-signature': sign(b) }) },
];

describe('/notify authentication', () => {
  let running: Running;
  let body: string;
  let maId: string;

  beforeAll(async () => {
    running = await startTestService();
    await disableSubscriptions(running);
    // Golden 15 is loaded but not evaluated: any accepted notification about it writes a Claim.
    await loadGolden(running, C15);
    const [ma] = await searchResources<MedicationAdministration>(
      running.fhirBaseUrl,
      `MedicationAdministration?context=Encounter/${ENC}`,
    );
    maId = ma!.id!;
    body = JSON.stringify(ma);
  });

  afterAll(async () => {
    await running?.stop();
  });

  function go(c: Case): Promise<HttpResult> {
    const path = c.method === 'PUT' ? `/notify/MedicationAdministration/${maId}` : '/notify';
    const sent = c.send ? c.send(body) : body;
    return send(
      `${running.serviceUrl}${path}${(c.query ?? '').replace('SIG', sign(body))}`,
      c.method ?? 'POST',
      sent,
      {
        'content-type': 'application/fhir+json',
        ...c.headers(body),
      },
    );
  }

  test.each(refused.map((c) => [c.name, c] as const))('401: %s', async (_name, c) => {
    const res = await go(c);
    expect(res.status).toBe(401);
    expect(res.json?.resourceType).toBe('OperationOutcome');
    expect(res.json?.issue?.[0]?.code).toBe('login');
    expect(res.text).not.toContain(TEST_SECRET);
    expect(res.text).not.toContain(sign(body));
    expect([...res.headers.values()].join(' ')).not.toContain(TEST_SECRET);
    // Nothing was evaluated on the strength of it.
    expect(await claimFor(running, ENC)).toBeUndefined();
  });

  test.each(accepted.map((c) => [c.name, c] as const))('200: %s', async (_name, c) => {
    const res = await go(c);
    expect(res.status, res.text).toBe(200);
    expect(res.text).not.toContain(TEST_SECRET);
    expect(await claimFor(running, ENC)).toBeDefined();
  });

  test('the other routes do not accept the webhook secret as a way in or echo it', async () => {
    const res = await send(`${running.serviceUrl}/nope?secret=${TEST_SECRET}`, 'GET', undefined, {
      authorization: `Bearer ${TEST_SECRET}`,
    });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(TEST_SECRET);
  });
});
