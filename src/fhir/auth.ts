/**
 * OAuth2 tokens for the FHIR server (README, "Configuration"): client credentials, and SMART Backend
 * Services (`private_key_jwt`: a client assertion signed with RS384 or ES384, with the `kid`
 * header SMART requires). Tokens are renewed a minute before they expire (half their lifetime
 * when that is shorter).
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, importPKCS8, SignJWT, type CryptoKey } from 'jose';
import type { Config } from '../config.ts';
import type { TokenSource } from './http-fetch.ts';
import { VialwiseError } from '../domain/errors.ts';

export class AuthError extends VialwiseError<'fhir-auth-failed'> {
  constructor(message: string) {
    super('fhir-auth-failed', message);
    this.name = 'AuthError';
  }
}

interface TokenResponse {
  access_token?: unknown;
  expires_in?: unknown;
}

const RENEW_BEFORE_MS = 60_000;

export function createTokenSource(
  auth: Config['fhirAuth'],
  now: () => number = Date.now,
): TokenSource | undefined {
  if (auth.mode === 'none') return undefined;
  let cached: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;
  let key: Promise<SigningKey> | undefined;

  async function body(): Promise<{ params: URLSearchParams; headers: Record<string, string> }> {
    const params = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.mode === 'client-credentials') {
      if (auth.scope) params.set('scope', auth.scope);
      const basic = Buffer.from(
        `${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`,
      ).toString('base64');
      return { params, headers: { Authorization: `Basic ${basic}` } };
    }
    if (auth.mode !== 'private-key-jwt') throw new AuthError('unsupported auth mode');
    key ??= loadSigningKey(auth.privateKeyFile);
    // A failed load (unreadable file) is retried on the next request instead of being cached.
    const {
      key: k,
      alg,
      thumbprint,
    } = await key.catch((err: unknown) => {
      key = undefined;
      throw err;
    });
    const assertion = await new SignJWT({})
      // SMART Backend Services: `kid` is required and names the key in the client's JWK Set.
      .setProtectedHeader({ alg, typ: 'JWT', kid: auth.keyId ?? thumbprint })
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
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
          ...headers,
        },
        body: params.toString(),
        signal: AbortSignal.timeout(15_000),
      });
    } catch {
      throw new AuthError('token endpoint unreachable');
    }
    if (!res.ok) throw new AuthError(`token endpoint answered ${res.status}`);
    const json = (await res.json().catch(() => ({}))) as TokenResponse;
    if (typeof json.access_token !== 'string' || !json.access_token)
      throw new AuthError('token endpoint returned no access_token');
    // Some servers send expires_in as a string ("3600").
    const seconds = typeof json.expires_in === 'string' ? Number(json.expires_in) : json.expires_in;
    const expiresIn = typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : 300;
    // Renew a minute early, or at half-life for short-lived tokens (else every request renews).
    const renewBefore = Math.min(RENEW_BEFORE_MS, (expiresIn * 1000) / 2);
    cached = { token: json.access_token, renewAt: now() + expiresIn * 1000 - renewBefore };
    return json.access_token;
  }

  return {
    async token(force = false): Promise<string> {
      if (!force && cached && cached.renewAt > now()) return cached.token;
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}

/** Fails (AuthError) when the private key file cannot be read or is not a usable key: checked at start. */
export async function checkSigningKey(file: string): Promise<void> {
  await loadSigningKey(file);
}

interface SigningKey {
  readonly key: CryptoKey;
  readonly alg: string;
  /** RFC 7638 thumbprint of the public key: the default `kid`. */
  readonly thumbprint: string;
}

/** PKCS#8 PEM; RSA keys sign with RS384, EC P-384 keys with ES384 (SMART Backend Services). */
async function loadSigningKey(file: string): Promise<SigningKey> {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch {
    throw new AuthError('FHIR_PRIVATE_KEY_FILE cannot be read');
  }
  for (const alg of ['RS384', 'ES384']) {
    let key: CryptoKey;
    try {
      key = await importPKCS8(pem, alg, { extractable: true });
    } catch {
      continue; // try the next algorithm
    }
    // The thumbprint uses only the public members (kty, n, e / crv, x, y).
    return { key, alg, thumbprint: await calculateJwkThumbprint(await exportJWK(key), 'sha256') };
  }
  throw new AuthError('FHIR_PRIVATE_KEY_FILE is not a PKCS#8 RSA or P-384 EC private key');
}
