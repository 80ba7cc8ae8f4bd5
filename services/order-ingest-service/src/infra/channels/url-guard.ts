import { lookup } from 'node:dns';
import { promises as dns } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { unprocessable } from '@crp/platform/errors';
import type { UrlGuard } from '../../app/ports';

/** Ranges a merchant-supplied URL must never reach: loopback, private, link-local, metadata… */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** Whether an address is in a private, loopback or otherwise non-public range. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class PrivateAddressError extends Error {
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a private or loopback address`);
    this.name = 'PrivateAddressError';
  }
}

/**
 * A DNS lookup for outgoing connections that refuses private addresses. It runs when the socket
 * connects, so a name that resolved to a public address at check time and to 127.0.0.1 now (DNS
 * rebinding) is still refused.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0);
    const list = addresses as Array<{ address: string; family: number }>;
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad) return callback(new PrivateAddressError(hostname, bad.address), '', 0);
    const first = list[0]!;
    if ((options as { all?: boolean }).all)
      return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
    callback(null, first.address, first.family);
  });
};

export function createUrlGuard(opts: { allowPrivate: boolean }): UrlGuard {
  return {
    async assertPublic(url, field) {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        throw unprocessable('INVALID_STORE', `${field} is not a URL`, [`${field} is not a URL`]);
      }
      if (u.protocol !== 'https:' && u.protocol !== 'http:')
        throw unprocessable('INVALID_STORE', `${field} must be an http(s) URL`, [
          `${field} must be an http(s) URL`,
        ]);
      if (u.username || u.password)
        throw unprocessable('INVALID_STORE', `${field} must not carry a user or password`, [
          `${field} must not carry a user or password`,
        ]);
      if (opts.allowPrivate) return;
      const host = u.hostname.replace(/^\[|\]$/g, '');
      let addresses: string[];
      try {
        addresses = isIP(host) ? [host] : (await dns.lookup(host, { all: true })).map((a) => a.address);
      } catch {
        throw unprocessable('INVALID_STORE', `${field}: ${host} does not resolve`, [
          `${field}: ${host} does not resolve`,
        ]);
      }
      const bad = addresses.find(isPrivateAddress);
      if (bad) {
        const msg = `${field}: ${host} is a private or loopback address (${bad}); set CHANNEL_ALLOW_PRIVATE_URLS=true to allow it`;
        throw unprocessable('INVALID_STORE', msg, [msg]);
      }
    },
  };
}
