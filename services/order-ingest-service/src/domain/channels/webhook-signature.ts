import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Shopify (`X-Shopify-Hmac-Sha256`) and WooCommerce (`X-WC-Webhook-Signature`) both sign the raw
 * request body: base64 of HMAC-SHA256 with the shared secret. Compared in constant time over the
 * decoded bytes, so the comparison says nothing about how much of a forged signature was right.
 */
export function verifyBase64HmacSha256(
  rawBody: Buffer,
  signature: string | undefined,
  secret: string,
): boolean {
  if (!signature || !secret) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(signature.trim(), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function signBase64HmacSha256(rawBody: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}
