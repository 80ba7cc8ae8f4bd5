// Drives order-ingest's batch endpoint the way a store backfill would: the orders of each
// (account, store) in requests of up to `batch` orders, `concurrency` requests in flight, accounts
// interleaved. Stores are created first through the API (two per account, as the generator has).
import { signDevToken } from '@crp/platform/auth';
import { shipStationOrder } from '@crp/testing/order-stream';
import { SECRET } from './services.mjs';

export async function createStores(baseUrl, accountIds) {
  const tokens = new Map();
  const storeIds = new Map();
  for (const accountId of accountIds) {
    const token = await signDevToken(SECRET, { accountId, role: 'admin', sub: `bench@${accountId}` });
    tokens.set(accountId, token);
    for (const n of [0, 1]) {
      const res = await fetch(`${baseUrl}/v1/stores`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'api', name: `${accountId} store ${n}` }),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(`creating a store failed: ${res.status} ${JSON.stringify(body)}`);
      storeIds.set(`${accountId}-store-${n}`, body.storeId);
    }
  }
  return { tokens, storeIds };
}

/** Sends every order; resolves with per-request timings and the counts order-ingest answered. */
export async function postOrders(
  baseUrl,
  orders,
  { tokens, storeIds },
  { batch = 1000, concurrency = 4, onProgress } = {},
) {
  const groups = new Map();
  for (const o of orders) {
    const key = o.storeId;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(o);
  }
  // Round-robin over the stores so that accounts interleave, as many merchants do at once.
  const requests = [];
  const queues = [...groups.values()].map((list) => ({ list, at: 0 }));
  while (queues.some((q) => q.at < q.list.length)) {
    for (const q of queues) {
      if (q.at >= q.list.length) continue;
      requests.push(q.list.slice(q.at, q.at + batch));
      q.at += batch;
    }
  }
  const counts = { created: 0, updated: 0, unchanged: 0, rejected: 0 };
  let next = 0;
  let sent = 0;
  const worker = async () => {
    while (next < requests.length) {
      const chunk = requests[next++];
      const { accountId, storeId } = chunk[0];
      const res = await fetch(`${baseUrl}/v1/stores/${storeIds.get(storeId)}/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.get(accountId)}`, 'content-type': 'application/json' },
        body: JSON.stringify(chunk.map(shipStationOrder)),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(`POST orders failed: ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
      for (const [k, v] of Object.entries(body.counts)) counts[k] += v;
      sent += chunk.length;
      onProgress?.(sent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { counts, requests: requests.length };
}
