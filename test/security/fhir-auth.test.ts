/**
 * The service's own credentials for the FHIR server (SPEC section 1): OAuth2 client credentials
 * and SMART Backend Services `private_key_jwt` (RS384 and ES384), against a real token endpoint
 * and FHIR endpoints started here: what is sent (Basic header, grant_type, scope, a client
 * assertion whose signature, iss/sub, aud, exp, jti and kid the endpoint verifies), renewal
 * before expiry, exactly one renewal and retry after a 401, and a clear failure after a second
 * 401 or when the token endpoint refuses.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OperationOutcomeError } from '@medplum/core';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startVialwise, type Running } from '../../src/bootstrap.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { AuthError, createTokenSource } from '../../src/fhir/auth.ts';
import { createGateway } from '../../src/fhir/gateway.ts';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../../src/fhir-server/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { claimLines, goldenExpected, sortLines } from '../support/notify.ts';
import { fhir, goldenAsTransaction } from '../support/service.ts';
import {
  startFakeFhir,
  startFhirProxy,
  startTokenEndpoint,
  type FakeFhir,
  type TokenEndpoint,
} from './fake-servers.ts';

const CLIENT_ID = 'vialwise-backend';
// Characters that must survive the form encoding of client_secret_basic (RFC 6749 section 2.3.1).
const CLIENT_SECRET = 'canary-client-secret: a+b/c%d&e=f é';
const WEBHOOK_SECRET = 'webhook-secret-for-auth-tests-0123456789';
// Outside embedded mode /api needs the operator's token (see api-auth.test.ts).
const API_TOKEN = 'api-token-for-auth-tests-0123456789';
const withToken = { authorization: `Bearer ${API_TOKEN}` };
const SCOPE = 'system/MedicationAdministration.rs system/Claim.cu';
const RETRY = { retries: 0, baseDelayMs: 1, maxDelayMs: 1, timeoutMs: 5_000 };

const dir = mkdtempSync(join(tmpdir(), 'vialwise-auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface KeyFile {
  readonly file: string;
  readonly publicKey: CryptoKey;
  readonly thumbprint: string;
}

async function keyFile(alg: 'RS384' | 'ES384'): Promise<KeyFile> {
  const { publicKey, privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'RS384' ? { modulusLength: 2048 } : {}),
  });
  const file = join(dir, `${alg}.pem`);
  writeFileSync(file, await exportPKCS8(privateKey), { mode: 0o600 });
  return { file, publicKey, thumbprint: await calculateJwkThumbprint(await exportJWK(publicKey), 'sha256') };
}

const clientCredentials = (tokens: TokenEndpoint, scope?: string): Config['fhirAuth'] => ({
  mode: 'client-credentials',
  tokenUrl: tokens.tokenUrl,
  clientId: CLIENT_ID,
  clientSecret: CLIENT_SECRET,
  ...(scope ? { scope } : {}),
});

describe('client credentials', () => {
  let tokens: TokenEndpoint;
  let server: FakeFhir;

  beforeAll(async () => {
    tokens = await startTokenEndpoint({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    server = await startFakeFhir(tokens);
  });
  afterAll(async () => {
    await server?.close();
    await tokens?.close();
  });
  afterEach(() => {
    tokens.requests.length = 0;
    tokens.expiresIn = 300;
    tokens.failWith = undefined;
    server.requests.length = 0;
    server.rejected.clear();
    server.rejectAll = false;
  });

  test('sends a Basic header with the form-encoded id and secret, grant_type and scope; the token is reused', async () => {
    const source = createTokenSource(clientCredentials(tokens, SCOPE));
    const gateway = createGateway({ baseUrl: server.base, tokens: source!, retry: RETRY });
    expect((await gateway.read('Patient', 'p1')).id).toBe('p1');
    expect((await gateway.read('Patient', 'p2')).id).toBe('p2');
    expect(tokens.requests).toHaveLength(1);
    const [req] = tokens.requests;
    expect(req?.refused).toBeUndefined();
    expect(req?.basic).toEqual({ id: CLIENT_ID, secret: CLIENT_SECRET });
    expect(req?.params.get('grant_type')).toBe('client_credentials');
    expect(req?.params.get('scope')).toBe(SCOPE);
    // The secret travels only in the Authorization header.
    expect(req?.params.toString()).not.toContain('canary');
    expect(req?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(server.requests.map((r) => [r.status, r.token])).toEqual([
      [200, tokens.issued[0]],
      [200, tokens.issued[0]],
    ]);
  });

  test('no scope configured: none is sent', async () => {
    const gateway = createGateway({
      baseUrl: server.base,
      tokens: createTokenSource(clientCredentials(tokens))!,
      retry: RETRY,
    });
    await gateway.read('Patient', 'p1');
    expect(tokens.requests[0]?.params.has('scope')).toBe(false);
  });

  test('a wrong client secret is refused by the endpoint and fails with AuthError', async () => {
    const source = createTokenSource({
      ...clientCredentials(tokens),
      clientSecret: 'not-it',
    } as Config['fhirAuth']);
    await expect(source!.token()).rejects.toBeInstanceOf(AuthError);
    expect(tokens.requests[0]?.refused).toBe('bad client secret');
  });

  test('renews a minute before expiry (fake clock)', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    tokens.expiresIn = 3600;
    const source = createTokenSource(clientCredentials(tokens), () => now)!;
    const first = await source.token();
    now += 3539_000; // 61 s before expiry
    expect(await source.token()).toBe(first);
    now += 2_000; // 59 s before expiry
    const second = await source.token();
    expect(second).not.toBe(first);
    expect(tokens.requests).toHaveLength(2);
  });

  test('short-lived tokens (expires_in 30, sent as a string) renew at half-life, not on every request', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    tokens.expiresIn = '30';
    const source = createTokenSource(clientCredentials(tokens), () => now)!;
    const first = await source.token();
    now += 14_000;
    expect(await source.token()).toBe(first);
    now += 2_000;
    expect(await source.token()).not.toBe(first);
    expect(tokens.requests).toHaveLength(2);
  });

  test('concurrent requests share one token request', async () => {
    const source = createTokenSource(clientCredentials(tokens))!;
    const all = await Promise.all(Array.from({ length: 10 }, () => source.token()));
    expect(new Set(all).size).toBe(1);
    expect(tokens.requests).toHaveLength(1);
  });

  test('a 401 renews the token once and retries with the new one', async () => {
    const source = createTokenSource(clientCredentials(tokens))!;
    // The token in hand is revoked early (it has not expired, so only the 401 can tell).
    const revoked = await source.token();
    server.rejected.add(revoked);
    const gateway = createGateway({ baseUrl: server.base, tokens: source, retry: RETRY });
    expect((await gateway.read('Patient', 'p1')).id).toBe('p1');
    const renewed = tokens.issued.at(-1);
    expect(renewed).not.toBe(revoked);
    expect(server.requests.map((r) => [r.status, r.token])).toEqual([
      [401, revoked],
      [200, renewed],
    ]);
    expect(tokens.requests).toHaveLength(2);
  });

  test('a second 401 fails clearly: one renewal only, then an unauthorized OperationOutcomeError', async () => {
    server.rejectAll = true;
    const gateway = createGateway({
      baseUrl: server.base,
      tokens: createTokenSource(clientCredentials(tokens))!,
      retry: RETRY,
    });
    const err = await gateway.read('Patient', 'p1').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OperationOutcomeError);
    expect((err as OperationOutcomeError).outcome.id).toBe('unauthorized');
    expect(server.requests.map((r) => r.status)).toEqual([401, 401]);
    expect(tokens.requests).toHaveLength(2);
    expect(new Set(server.requests.map((r) => r.token)).size).toBe(2);
  });
});

describe('SMART Backend Services private_key_jwt', () => {
  for (const alg of ['RS384', 'ES384'] as const) {
    test(`${alg}: a signed client assertion the token endpoint verifies; scope and kid sent`, async () => {
      const key = await keyFile(alg);
      const tokens = await startTokenEndpoint({
        clientId: CLIENT_ID,
        jwt: { publicKey: key.publicKey, alg, kid: key.thumbprint },
      });
      const server = await startFakeFhir(tokens);
      try {
        const source = createTokenSource({
          mode: 'private-key-jwt',
          tokenUrl: tokens.tokenUrl,
          clientId: CLIENT_ID,
          privateKeyFile: key.file,
          scope: SCOPE,
        })!;
        const gateway = createGateway({ baseUrl: server.base, tokens: source, retry: RETRY });
        expect((await gateway.read('Patient', 'p1')).id).toBe('p1');
        // A forced renewal signs a fresh assertion (new jti): the endpoint refuses replays.
        await source.token(true);
        expect(tokens.requests.map((r) => r.refused)).toEqual([undefined, undefined]);
        const [first, second] = tokens.requests;
        expect(first?.headers.authorization).toBeUndefined();
        expect(first?.params.get('scope')).toBe(SCOPE);
        expect(first?.params.get('grant_type')).toBe('client_credentials');
        expect(first?.assertion?.header).toMatchObject({ alg, typ: 'JWT', kid: key.thumbprint });
        const p = first!.assertion!.payload;
        expect(p).toMatchObject({ iss: CLIENT_ID, sub: CLIENT_ID, aud: tokens.tokenUrl });
        expect(p.exp! - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(300);
        expect(p.exp! - Math.floor(Date.now() / 1000)).toBeGreaterThan(60);
        expect(second?.assertion?.payload.jti).not.toBe(p.jti);
      } finally {
        await server.close();
        await tokens.close();
      }
    });
  }

  test('FHIR_KEY_ID names the key when the JWK Set uses its own key ids', async () => {
    const key = await keyFile('ES384');
    const tokens = await startTokenEndpoint({
      clientId: CLIENT_ID,
      jwt: { publicKey: key.publicKey, alg: 'ES384', kid: 'vialwise-2026-01' },
    });
    try {
      const config = loadConfig({
        FHIR_BASE_URL: 'http://127.0.0.1:9/fhir',
        WEBHOOK_SECRET,
        FHIR_AUTH: 'private-key-jwt',
        FHIR_TOKEN_URL: tokens.tokenUrl,
        FHIR_CLIENT_ID: CLIENT_ID,
        FHIR_PRIVATE_KEY_FILE: key.file,
        FHIR_KEY_ID: 'vialwise-2026-01',
      });
      await createTokenSource(config.fhirAuth)!.token();
      expect(tokens.requests[0]?.refused).toBeUndefined();
      expect(tokens.requests[0]?.assertion?.header.kid).toBe('vialwise-2026-01');
    } finally {
      await tokens.close();
    }
  });

  test('an assertion signed with another key is refused and fails with AuthError', async () => {
    const registered = await keyFile('ES384');
    const other = await keyFile('RS384');
    const tokens = await startTokenEndpoint({
      clientId: CLIENT_ID,
      jwt: { publicKey: registered.publicKey, alg: 'ES384', kid: registered.thumbprint },
    });
    try {
      const source = createTokenSource({
        mode: 'private-key-jwt',
        tokenUrl: tokens.tokenUrl,
        clientId: CLIENT_ID,
        privateKeyFile: other.file,
        scope: SCOPE,
      })!;
      await expect(source.token()).rejects.toBeInstanceOf(AuthError);
      expect(tokens.requests[0]?.refused).toMatch(/assertion/);
    } finally {
      await tokens.close();
    }
  });
});

describe('the whole service with FHIR server authentication', () => {
  let fhirServer: EmbeddedFhirServer;
  let tokens: TokenEndpoint;
  let running: Running | undefined;
  let key: KeyFile;

  beforeAll(async () => {
    fhirServer = await startEmbeddedFhirServer({
      port: 0,
      logger: silentLogger,
      delivery: { retryBaseDelayMs: 20, retryMaxDelayMs: 100 },
    });
    key = await keyFile('ES384');
    tokens = await startTokenEndpoint({
      clientId: CLIENT_ID,
      jwt: { publicKey: key.publicKey, alg: 'ES384', kid: key.thumbprint },
    });
  });
  afterAll(async () => {
    await running?.stop();
    await tokens?.close();
    await fhirServer?.stop();
  });

  test('private_key_jwt end to end: registers, answers readyz, evaluates and writes through an authenticating proxy', async () => {
    const proxy = await startFhirProxy(fhirServer.baseUrl, tokens);
    try {
      const config = loadConfig({
        PORT: '0',
        FHIR_BASE_URL: proxy.base,
        WEBHOOK_SECRET,
        API_TOKEN,
        FHIR_AUTH: 'private-key-jwt',
        FHIR_TOKEN_URL: tokens.tokenUrl,
        FHIR_CLIENT_ID: CLIENT_ID,
        FHIR_PRIVATE_KEY_FILE: key.file,
        FHIR_SCOPE: SCOPE,
        LOG_LEVEL: 'silent',
      });
      running = await startVialwise(config, silentLogger, { retry: RETRY, registrationRetryMs: 50 });
      await running.registered;
      expect((await fetch(`${running.serviceUrl}/readyz`)).status).toBe(200);

      const C01 = '01-ed-asthma-methylpred-125-jz';
      expect((await fhir(fhirServer.baseUrl, 'POST', '', goldenAsTransaction(C01))).status).toBe(200);
      const res = await fetch(`${running.serviceUrl}/api/encounters/enc-golden-01/evaluate`, {
        method: 'POST',
        headers: withToken,
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { claim: Parameters<typeof claimLines>[0] };
      expect(claimLines(body.claim)).toEqual(sortLines(goldenExpected(C01).lines));
      // Every request reached the server with an issued token; none was refused.
      expect(proxy.records.length).toBeGreaterThan(3);
      expect(proxy.records.filter((r) => r.status === 401)).toEqual([]);
      expect(tokens.requests.every((r) => r.refused === undefined && r.params.get('scope') === SCOPE)).toBe(
        true,
      );
    } finally {
      await running?.stop();
      running = undefined;
      await proxy.close();
    }
  });

  async function startAgainst(base: string, auth: Record<string, string>): Promise<Running> {
    const config = loadConfig({
      PORT: '0',
      FHIR_BASE_URL: base,
      WEBHOOK_SECRET,
      API_TOKEN,
      LOG_LEVEL: 'silent',
      ...auth,
    });
    // Registration keeps failing here: the service must still answer, with a clear 503.
    return startVialwise(config, silentLogger, { retry: RETRY, registrationRetryMs: 60_000 });
  }

  test('the FHIR server rejecting every token: 503 fhir-auth-failed, no secret or token echoed', async () => {
    const ccTokens = await startTokenEndpoint({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    const server = await startFakeFhir(ccTokens);
    server.rejectAll = true;
    try {
      running = await startAgainst(server.base, {
        FHIR_AUTH: 'client-credentials',
        FHIR_TOKEN_URL: ccTokens.tokenUrl,
        FHIR_CLIENT_ID: CLIENT_ID,
        FHIR_CLIENT_SECRET: CLIENT_SECRET,
      });
      const res = await fetch(`${running.serviceUrl}/api/encounters/enc-1/evaluate`, {
        method: 'POST',
        headers: withToken,
      });
      const text = await res.text();
      expect(res.status).toBe(503);
      expect(JSON.parse(text)).toMatchObject({ resourceType: 'OperationOutcome', id: 'fhir-auth-failed' });
      expect(res.headers.get('retry-after')).toBe('5');
      for (const secret of [CLIENT_SECRET, WEBHOOK_SECRET, API_TOKEN, ...ccTokens.issued])
        expect(text).not.toContain(secret);
      expect((await fetch(`${running.serviceUrl}/readyz`)).status).toBe(503);
    } finally {
      await running?.stop();
      running = undefined;
      await server.close();
      await ccTokens.close();
    }
  });

  test('the token endpoint refusing (wrong secret) or down: 503 fhir-auth-failed, not a 500', async () => {
    const ccTokens = await startTokenEndpoint({ clientId: CLIENT_ID, clientSecret: 'the-real-secret' });
    const server = await startFakeFhir(ccTokens);
    try {
      running = await startAgainst(server.base, {
        FHIR_AUTH: 'client-credentials',
        FHIR_TOKEN_URL: ccTokens.tokenUrl,
        FHIR_CLIENT_ID: CLIENT_ID,
        FHIR_CLIENT_SECRET: CLIENT_SECRET,
      });
      for (const failWith of [undefined, 503]) {
        ccTokens.failWith = failWith;
        const res = await fetch(`${running.serviceUrl}/api/encounters/enc-1/evaluate`, {
          method: 'POST',
          headers: withToken,
        });
        const text = await res.text();
        expect(res.status).toBe(503);
        expect(JSON.parse(text)).toMatchObject({ id: 'fhir-auth-failed' });
        expect(text).not.toContain(CLIENT_SECRET);
      }
      expect(server.requests).toEqual([]);
    } finally {
      await running?.stop();
      running = undefined;
      await server.close();
      await ccTokens.close();
    }
  });
});
