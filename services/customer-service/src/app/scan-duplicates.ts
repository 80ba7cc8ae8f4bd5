import type { Database } from '@crp/platform/db';
import {
  CANDIDATES_PER_KEY,
  matchKeysOf,
  sameKeys,
  suggestDuplicates,
  type MatchKeysRecord,
} from '../domain/duplicates';
import type { DuplicateRepository } from './ports';

export interface ScanDeps {
  db: Database;
  duplicates: DuplicateRepository;
}

export interface ScanResult {
  /** Queue entries taken (0: nothing to do, or another instance is scanning). */
  scanned: number;
  /** Customers whose comparison keys changed, and so were compared again. */
  compared: number;
  suggestions: number;
}

/**
 * One pass of the likely-duplicates scan (domain/duplicates.ts) over up to `batch` queued customers,
 * in one transaction, load → decide → persist: the customers and their stored comparison keys;
 * which keys changed (an order that only adds to the history changes none: nothing more is read
 * for it); the records sharing a changed record's address or phone, at most CANDIDATES_PER_KEY of
 * each (a forwarder's address that 20,000 share costs 21 rows, not 20,000); the
 * suggestions among them; then keys, suggestions and the queue written with multi-row statements.
 * A record no longer active loses its keys and its suggestions.
 */
export async function scanDuplicates(deps: ScanDeps, batch: number, now = new Date()): Promise<ScanResult> {
  const { duplicates: dup } = deps;
  return deps.db.transaction(
    async (tx) => {
      if (!(await dup.lockDuplicateScan(tx))) return { scanned: 0, compared: 0, suggestions: 0 };
      try {
        const claimed = await dup.claimDuplicateScan(tx, batch);
        if (claimed.length === 0) return { scanned: 0, compared: 0, suggestions: 0 };
        const refs = claimed.map((q) => ({ accountId: q.accountId, customerId: q.customerId }));
        const customers = await dup.matchFactsOf(tx, refs);
        const stored = new Map(
          (await dup.matchKeysOf(tx, refs)).map((k) => [`${k.accountId}\u0000${k.customerId}`, k]),
        );
        const active = new Map(
          customers.filter((c) => c.status === 'active').map((c) => [`${c.accountId}\u0000${c.id}`, c]),
        );
        const changed: MatchKeysRecord[] = [];
        const gone: typeof refs = [];
        for (const ref of refs) {
          const key = `${ref.accountId}\u0000${ref.customerId}`;
          const c = active.get(key);
          const before = stored.get(key);
          if (!c) {
            if (before) gone.push(ref);
            continue;
          }
          const keys = matchKeysOf(c);
          if (!before || !sameKeys(before, keys)) changed.push(keys);
        }
        await dup.saveMatchKeys(tx, changed);
        await dup.deleteMatchKeys(tx, gone);
        const candidates = await dup.matchKeyCandidates(
          tx,
          {
            addresses: changed.flatMap((k) =>
              k.addressKey ? [{ accountId: k.accountId, value: k.addressKey }] : [],
            ),
            phones: changed.flatMap((k) =>
              k.phoneE164 ? [{ accountId: k.accountId, value: k.phoneE164 }] : [],
            ),
          },
          CANDIDATES_PER_KEY,
        );
        const found = suggestDuplicates(changed, candidates, now);
        await dup.replaceSuggestions(
          tx,
          [...changed.map((k) => ({ accountId: k.accountId, customerId: k.customerId })), ...gone],
          found,
        );
        await dup.finishDuplicateScan(tx, claimed);
        return { scanned: claimed.length, compared: changed.length, suggestions: found.length };
      } finally {
        await dup.unlockDuplicateScan(tx);
      }
    },
    { readCommitted: true, retryOnLockConflict: 3 },
  );
}
