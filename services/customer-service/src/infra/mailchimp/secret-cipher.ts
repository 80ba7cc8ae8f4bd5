import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SecretCipher } from '../../app/mailchimp/ports';

/**
 * Secrets sealed with AES-256-GCM, the same approach as order-ingest's credential cipher: a random
 * 96-bit IV per seal, the tag checked on open, the account id as additional authenticated data (a
 * sealed key copied onto another account does not open), and the key named in the format
 * (`v1.<keyId>.<base64 iv|tag|ciphertext>`) so the key can be rotated.
 */
export function createSecretCipher(keys: { current: Buffer; previous?: Buffer[] }): SecretCipher {
  for (const k of [keys.current, ...(keys.previous ?? [])]) {
    if (k.length !== 32) throw new Error('secret keys must be 32 bytes (AES-256)');
  }
  const idOf = (k: Buffer) => createHash('sha256').update(k).digest('hex').slice(0, 8);
  const byId = new Map([keys.current, ...(keys.previous ?? [])].map((k) => [idOf(k), k]));
  const currentId = idOf(keys.current);
  return {
    seal(accountId, secret) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keys.current, iv);
      cipher.setAAD(Buffer.from(accountId, 'utf8'));
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return `v1.${currentId}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    open(accountId, sealed) {
      const [version, keyId, data] = sealed.split('.');
      const key = keyId ? byId.get(keyId) : undefined;
      if (version !== 'v1' || !key || !data)
        throw new Error('the Mailchimp key was sealed with a key this deployment does not have');
      const raw = Buffer.from(data, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(accountId, 'utf8'));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

/** A key from configuration: 64 hex digits or base64 of 32 bytes. */
export function parseKey(value: string): Buffer {
  const v = value.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
  if (key.length !== 32) throw new Error('must be 32 bytes: 64 hex digits or base64');
  return key;
}
