import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Shopify (`X-Shopify-Hmac-Sha256`) and WooCommerce (`X-WC-Webhook-Signature`) both sign the raw
 * request body: base64 of HMAC-SHA256 with the shared secret. Compared in constant time as the
 * exact base64 text, so the comparison says nothing about how much of a forged signature was
 * right, and only one spelling passes (Node's lenient base64 decoder reads `<sig>junk` or
 * `<sig><sig>` as the same bytes as `<sig>`).
 */
export function verifyBase64HmacSha256(
  rawBody: Buffer,
  signature: string | undefined,
  secret: string,
): boolean {
  if (!signature || !secret) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(rawBody).digest('base64'));
  const given = Buffer.from(signature.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function signBase64HmacSha256(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}
