/**
 * Shared-secret checks, all constant-time: the webhook's `X-Signature` (hex HMAC-SHA256 of the raw
 * body) or `Authorization: Bearer <WEBHOOK_SECRET>`, and the API's `Authorization: Bearer <API_TOKEN>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function hmacHex(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  // timingSafeEqual needs equal lengths; compare digests so the length check leaks nothing.
  const ha = createHmac('sha256', 'vialwise-compare').update(a).digest();
  const hb = createHmac('sha256', 'vialwise-compare').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

export function isAuthorized(
  secret: string,
  rawBody: Buffer,
  signature: string | undefined,
  authorization: string | undefined,
): boolean {
  if (typeof signature === 'string' && signature.length > 0) {
    const expected = Buffer.from(hmacHex(secret, rawBody), 'utf8');
    return safeEqual(Buffer.from(signature.trim().toLowerCase(), 'utf8'), expected);
  }
  return bearerMatches(secret, authorization);
}

/**
 * Whether an `Authorization` header is `Bearer <secret>` (the scheme is case-insensitive, the
 * token is not). Any token, whatever its length, costs one constant-time digest comparison.
 */
export function bearerMatches(secret: string, authorization: string | undefined): boolean {
  if (typeof authorization === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (m?.[1]) return safeEqual(Buffer.from(m[1], 'utf8'), Buffer.from(secret, 'utf8'));
  }
  return false;
}
