import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { CredentialCipher } from '../../app/ports';

/**
 * Store credentials sealed with AES-256-GCM: a random 96-bit IV per seal, the 128-bit tag checked
 * on open, and the store id as additional authenticated data, so a sealed blob copied onto another
 * store does not open. The format names the key (`v1.<keyId>.<base64 iv|tag|ciphertext>`), so the
 * key can be rotated: new seals use the current key, old ones still open with a previous key.
 */
export function createCredentialCipher(keys: { current: Buffer; previous?: Buffer[] }): CredentialCipher {
  for (const k of [keys.current, ...(keys.previous ?? [])]) {
    if (k.length !== 32) throw new Error('credential keys must be 32 bytes (AES-256)');
  }
  const idOf = (k: Buffer) => createHash('sha256').update(k).digest('hex').slice(0, 8);
  const byId = new Map([keys.current, ...(keys.previous ?? [])].map((k) => [idOf(k), k]));
  const currentId = idOf(keys.current);
  return {
    encrypt(storeId, credentials) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keys.current, iv);
      cipher.setAAD(Buffer.from(storeId, 'utf8'));
      const body = Buffer.concat([cipher.update(JSON.stringify(credentials), 'utf8'), cipher.final()]);
      return `v1.${currentId}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    decrypt(storeId, sealed) {
      const [version, keyId, data] = sealed.split('.');
      const key = keyId ? byId.get(keyId) : undefined;
      if (version !== 'v1' || !key || !data)
        throw new Error('store credentials were sealed with a key this deployment does not have');
      const raw = Buffer.from(data, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(storeId, 'utf8'));
      decipher.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as Record<string, string>;
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
