/**
 * OAuth2 tokens for the FHIR server (SPEC section 1): client credentials, and SMART Backend
 * Services (`private_key_jwt`: a client assertion signed with RS384 or ES384). Tokens are
 * renewed a minute before they expire.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT, type CryptoKey } from 'jose';
import type { Config } from '../config.ts';
import type { TokenSource } from './http-fetch.ts';

export class AuthError extends Error {
  readonly code = 'fhir-auth-failed';
}

interface TokenResponse {
  access_token?: unknown;
  expires_in?: unknown;
}

const RENEW_BEFORE_MS = 60_000;

export function createTokenSource(auth: Config['fhirAuth'], now: () => number = Date.now): TokenSource | undefined {
  if (auth.mode === 'none') return undefined;
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  let key: Promise<{ key: CryptoKey; alg: string }> | undefined;

  async function body(): Promise<{ params: URLSearchParams; headers: Record<string, string> }> {
    const params = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.mode === 'client-credentials') {
      if (auth.scope) params.set('scope', auth.scope);
      const basic = Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`).toString('base64');
      return { params, headers: { Authorization: `Basic ${basic}` } };
    }
    if (auth.mode !== 'private-key-jwt') throw new AuthError('unsupported auth mode');
    key ??= loadSigningKey(auth.privateKeyFile);
    const { key: k, alg } = await key;
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg, typ: 'JWT' })
      .setIssuer(auth.clientId)
      .setSubject(auth.clientId)
      .setAudience(auth.tokenUrl)
      .setJti(randomUUID())
      .setIssuedAt(Math.floor(now() / 1000))
      .setExpirationTime(Math.floor(now() / 1000) + 300)
      .sign(k);
    params.set('scope', auth.scope);
    params.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    params.set('client_assertion', assertion);
    return { params, headers: {} };
  }

  async function fetchToken(): Promise<string> {
    const tokenUrl = auth.mode === 'none' ? '' : auth.tokenUrl;
    const { params, headers } = await body();
    let res: Response;
    try {
      res = await globalThis.fetch(tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...headers },
        body: params.toString(),
        signal: AbortSignal.timeout(15_000),
      });
    } catch {
      throw new AuthError('token endpoint unreachable');
    }
    if (!res.ok) throw new AuthError(`token endpoint answered ${res.status}`);
    const json = (await res.json().catch(() => ({}))) as TokenResponse;
    if (typeof json.access_token !== 'string' || !json.access_token) throw new AuthError('token endpoint returned no access_token');
    const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 300;
    cached = { token: json.access_token, expiresAt: now() + expiresIn * 1000 };
    return json.access_token;
  }

  return {
    async token(force = false): Promise<string> {
      if (!force && cached && cached.expiresAt - RENEW_BEFORE_MS > now()) return cached.token;
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}

/** PKCS#8 PEM; RSA keys sign with RS384, EC P-384 keys with ES384 (SMART Backend Services). */
async function loadSigningKey(file: string): Promise<{ key: CryptoKey; alg: string }> {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch {
    throw new AuthError('FHIR_PRIVATE_KEY_FILE cannot be read');
  }
  for (const alg of ['RS384', 'ES384']) {
    try {
      return { key: await importPKCS8(pem, alg), alg };
    } catch {
      // try the next algorithm
    }
  }
  throw new AuthError('FHIR_PRIVATE_KEY_FILE is not a PKCS#8 RSA or P-384 EC private key');
}
