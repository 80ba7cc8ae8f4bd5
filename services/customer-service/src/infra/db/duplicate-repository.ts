import type { EntityManager } from 'typeorm';
import { BatchTable, dialectOf, inList, keysIn, queryRows, sqlStamp } from '@crp/platform/sql';
import type { DuplicatePair, DuplicateRepository } from '../../app/ports';
import {
  CONFIDENCE,
  type MatchFacts,
  type MatchKeysRecord,
  type SuggestionRecord,
} from '../../domain/duplicates';
import type { MatchKey } from '../../domain/matching';
import type { DuplicateScanRecord } from '../../domain/records';
import { DuplicateScanEntity, MatchKeysEntity, SuggestionEntity } from './entities';

export const scanQueue = new BatchTable<DuplicateScanRecord>(DuplicateScanEntity);
const matchKeys = new BatchTable<MatchKeysRecord>(MatchKeysEntity);
const suggestions = new BatchTable<SuggestionRecord>(SuggestionEntity);

/** DATETIME(3) parameters: MySQL takes Dates (connection timezone Z); SQLite compares TypeORM's text form. */
const sharedKeyReason = (matchedOn: unknown) => (matchedOn === 'phone' ? 'same_phone' : 'same_email');

/**
 * The keys an R1.6 pair is recorded under (MatchKey), each with one confidence (CONFIDENCE.same_email,
 * same_phone): read key by key in id order, a list cut after n keeps the surest n of its key.
 */
const MATCHING_KEYS: readonly MatchKey[] = ['email', 'phone'];

/**
 * A possible_duplicates row seen from `self`: the record orders link to (anchored) or its duplicate;
 * with the index that holds its rows in the other record's id order. MySQL is told which: for
 * `ORDER BY … LIMIT` MariaDB may prefer walking the primary key in that order and filtering, which
 * reads the table up to the last match (measured: 300,101 entries for the first 101 of 20,000).
 */
const SIDES = [
  { self: 'duplicate_of_id', other: 'customer_id', anchored: true, index: 'idx_dup_of_key' },
  { self: 'customer_id', other: 'duplicate_of_id', anchored: false, index: 'PRIMARY' },
] as const;

/**
 * Whether the row's other record is active, as a scalar subquery: a join or EXISTS lets MariaDB
 * start from the account's active customers (in id order, so no sort) and probe the pairs — a read
 * of the whole account for one customer's duplicates. The subquery keeps the pairs' index first.
 */
const otherActive = (column: string) =>
  `(SELECT c.status FROM customers c WHERE c.id = p.${column} AND c.account_id = p.account_id) = 'active'`;

function matchingPair(r: Record<string, unknown>, anchored: boolean): DuplicatePair {
  const reason = sharedKeyReason(r.matched_on);
  const [self, other] = anchored ? [r.duplicate_of_id, r.customer_id] : [r.customer_id, r.duplicate_of_id];
  return {
    customerId: String(self),
    otherId: String(other),
    reason,
    confidence: CONFIDENCE[reason],
    source: 'matching',
    anchored,
  };
}

const suggestionPair = (r: SuggestionRecord): DuplicatePair => ({
  customerId: r.customerId,
  otherId: r.otherId,
  reason: r.reason,
  confidence: r.confidence,
  source: 'suggestion',
  anchored: r.customerId < r.otherId,
});

/** Keys (one branch each) a statement of matchKeyCandidates reads: SQLite takes 500 compound branches. */
const KEYS_PER_STATEMENT = 250;

/** Statements hold at most this many (record, side) lists: SQLite takes 500 compound branches. */
const LISTS_PER_STATEMENT = 50;

/**
 * R1.6 pairs of each (record, side), per key the first `perKind` whose other record is active, in
 * the other record's id order. Each list is one branch that reads its index in that order and
 * stops (idx_dup_of_key for the side that has duplicates, the primary key for a duplicate's side):
 * a record that thousands share a placeholder email with costs `perKind` rows a list, not thousands.
 */
async function firstActiveMatches(
  tx: EntityManager,
  accountId: string,
  lists: Array<{ id: string; side: (typeof SIDES)[number] }>,
  perKind: number,
): Promise<DuplicatePair[]> {
  const pairs: DuplicatePair[] = [];
  for (let i = 0; i < lists.length; i += LISTS_PER_STATEMENT) {
    const branches: string[] = [];
    const params: unknown[] = [];
    const mysql = dialectOf(tx) === 'mysql';
    for (const { id, side } of lists.slice(i, i + LISTS_PER_STATEMENT))
      for (const key of MATCHING_KEYS) {
        branches.push(
          `SELECT * FROM (SELECT p.customer_id, p.duplicate_of_id, p.matched_on, ${side.anchored ? 1 : 0} AS anchored
             FROM possible_duplicates p${mysql ? ` FORCE INDEX (${side.index})` : ''}
            WHERE p.account_id = ? AND p.${side.self} = ? AND p.matched_on = ? AND ${otherActive(side.other)}
            ORDER BY p.${side.other} LIMIT ?) b${branches.length}`,
        );
        params.push(accountId, id, key, perKind);
      }
    const rows = await queryRows(tx, branches.join('\n UNION ALL '), params);
    pairs.push(...rows.map((r) => matchingPair(r, Number(r.anchored) === 1)));
  }
  return pairs;
}

export const duplicateRepository: DuplicateRepository = {
  async lockDuplicateScan(tx) {
    if (dialectOf(tx) !== 'mysql') return true;
    const [row] = await queryRows(
      tx,
      "SELECT GET_LOCK(CONCAT('crp-duplicate-scan:', DATABASE()), 0) AS ok",
      [],
    );
    return Number(row?.ok) === 1;
  },

  async unlockDuplicateScan(tx) {
    if (dialectOf(tx) !== 'mysql') return;
    await tx.query("SELECT RELEASE_LOCK(CONCAT('crp-duplicate-scan:', DATABASE()))");
  },

  claimDuplicateScan: (tx, limit) => scanQueue.select(tx, '1 = 1', [limit], 'ORDER BY queued_at LIMIT ?'),

  async finishDuplicateScan(tx, claimed) {
    if (claimed.length === 0) return;
    // A customer written again since the claim was queued again at a later time: it stays.
    const newest = new Date(Math.max(...claimed.map((c) => c.queuedAt.getTime())));
    const where = keysIn(
      dialectOf(tx),
      ['account_id', 'customer_id'],
      claimed.map((c) => [c.accountId, c.customerId]),
    );
    await tx.query(`DELETE FROM duplicate_scan_queue WHERE ${where.sql} AND queued_at <= ?`, [
      ...where.params,
      sqlStamp(tx, newest),
    ]);
  },

  async matchFactsOf(tx, refs) {
    if (refs.length === 0) return [];
    const where = keysIn(
      dialectOf(tx),
      ['account_id', 'id'],
      refs.map((r) => [r.accountId, r.customerId]),
    );
    const rows = await queryRows(
      tx,
      `SELECT id, account_id, status, name, first_name, last_name, email_normalized, phone_e164,
              postal_address, shipping_address
         FROM customers WHERE ${where.sql}`,
      where.params,
    );
    const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
    const address = (v: unknown) =>
      v === null || v === undefined || v === '' ? null : JSON.parse(String(v));
    return rows.map((r) => ({
      id: String(r.id),
      accountId: String(r.account_id),
      status: String(r.status) as MatchFacts['status'],
      name: str(r.name),
      firstName: str(r.first_name),
      lastName: str(r.last_name),
      emailNormalized: str(r.email_normalized),
      phoneE164: str(r.phone_e164),
      postalAddress: address(r.postal_address),
      shippingAddress: address(r.shipping_address),
    }));
  },

  matchKeysOf: (tx, refs) =>
    matchKeys.selectByKeys(
      tx,
      ['accountId', 'customerId'],
      refs.map((r) => [r.accountId, r.customerId]),
    ),

  saveMatchKeys: (tx, rows) =>
    matchKeys.insert(tx, rows, {
      onDuplicate: {
        conflictKeys: ['accountId', 'customerId'],
        update: ['nameKey', 'addressKey', 'emailNormalized', 'phoneE164'],
      },
    }),

  async deleteMatchKeys(tx, refs) {
    if (refs.length === 0) return;
    const where = keysIn(
      dialectOf(tx),
      ['account_id', 'customer_id'],
      refs.map((r) => [r.accountId, r.customerId]),
    );
    await tx.query(`DELETE FROM customer_match_keys WHERE ${where.sql}`, where.params);
  },

  async matchKeyCandidates(tx, by, perKey) {
    const mysql = dialectOf(tx) === 'mysql';
    const lists: Array<{ column: string; index: string; accountId: string; value: string }> = [];
    for (const [column, index, values] of [
      ['address_key', 'idx_match_keys_address_id', by.addresses],
      ['phone_e164', 'idx_match_keys_phone_id', by.phones],
    ] as const) {
      const seen = new Set<string>();
      for (const v of values) {
        const key = `${v.accountId}\u0000${v.value}`;
        if (seen.has(key)) continue;
        seen.add(key);
        lists.push({ column, index, accountId: v.accountId, value: v.value });
      }
    }
    // Each key's first `perKey` holders, one branch a key: its index (account_id, key, customer_id)
    // holds them in that order, so the branch reads them and stops (migration 1732000000840).
    const found = new Map<string, MatchKeysRecord>();
    for (let i = 0; i < lists.length; i += KEYS_PER_STATEMENT) {
      const params: unknown[] = [];
      const branches = lists.slice(i, i + KEYS_PER_STATEMENT).map((l, b) => {
        params.push(l.accountId, l.value, perKey);
        return `SELECT * FROM (SELECT * FROM customer_match_keys${mysql ? ` FORCE INDEX (${l.index})` : ''}
                 WHERE account_id = ? AND ${l.column} = ? ORDER BY customer_id LIMIT ?) k${b}`;
      });
      const rows = await queryRows(tx, branches.join('\n UNION ALL '), params);
      for (const raw of rows) {
        const r = matchKeys.hydrate(tx, raw);
        found.set(`${r.accountId}\u0000${r.customerId}`, r);
      }
    }
    return [...found.values()];
  },

  async replaceSuggestions(tx, refs, rows) {
    if (refs.length > 0) {
      const keys = refs.map((r) => [r.accountId, r.customerId]);
      for (const side of ['customer_id', 'other_id']) {
        const where = keysIn(dialectOf(tx), ['account_id', side], keys);
        await tx.query(`DELETE FROM duplicate_suggestions WHERE ${where.sql}`, where.params);
      }
    }
    await suggestions.insert(tx, rows, {
      onDuplicate: {
        conflictKeys: ['accountId', 'customerId', 'otherId', 'reason'],
        update: ['confidence', 'createdAt'],
      },
    });
  },

  async duplicatePairsOf(tx, accountId, customerId, perKind) {
    // R1.6, seen from the record that has duplicates (the one orders link to) and from a duplicate.
    const matching = await firstActiveMatches(
      tx,
      accountId,
      SIDES.map((side) => ({ id: customerId, side })),
      perKind,
    );
    const suggested = await suggestions.select(tx, 'account_id = ? AND customer_id = ?', [
      accountId,
      customerId,
    ]);
    return [...matching, ...suggested.map(suggestionPair)];
  },

  async duplicatePairsBetween(tx, accountId, customerId, otherIds) {
    if (otherIds.length === 0) return [];
    const others = inList(otherIds);
    const pairs: DuplicatePair[] = [];
    for (const side of SIDES) {
      const rows = await queryRows(
        tx,
        `SELECT p.customer_id, p.duplicate_of_id, p.matched_on FROM possible_duplicates p
          WHERE p.account_id = ? AND p.${side.self} = ? AND p.${side.other} IN ${others.sql}`,
        [accountId, customerId, ...others.params],
      );
      pairs.push(...rows.map((r) => matchingPair(r, side.anchored)));
    }
    const suggested = await suggestions.select(
      tx,
      `account_id = ? AND customer_id = ? AND other_id IN ${others.sql}`,
      [accountId, customerId, ...others.params],
    );
    return [...pairs, ...suggested.map(suggestionPair)];
  },

  async anchoredPairsOf(tx, accountId, anchors, perKind) {
    if (anchors.length === 0) return [];
    const matching = await firstActiveMatches(
      tx,
      accountId,
      anchors.map((id) => ({ id, side: SIDES[0] })),
      perKind,
    );
    const list = inList(anchors);
    const suggested = await suggestions.select(
      tx,
      `account_id = ? AND customer_id IN ${list.sql} AND customer_id < other_id`,
      [accountId, ...list.params],
    );
    return [...matching, ...suggested.map(suggestionPair)];
  },

  /**
   * Each branch reads its own index in anchor order and stops after a page (possible_duplicates
   * by idx_dup_of, suggestions by their primary key); the first page of the two pages' union is
   * the first page of the whole union. With one LIMIT outside the union, each page read and
   * sorted every anchor after its cursor (≈0.2 s a page at 100,000 anchors). The branches are
   * derived tables: SQLite takes no ORDER BY or LIMIT on a compound select's own branches.
   */
  async duplicateAnchors(tx, accountId, page) {
    const after = page.after ?? '';
    const rows = await queryRows(
      tx,
      `SELECT anchor FROM (
         SELECT DISTINCT duplicate_of_id AS anchor FROM possible_duplicates
          WHERE account_id = ? AND duplicate_of_id > ? ORDER BY duplicate_of_id LIMIT ?
       ) m
       UNION
       SELECT anchor FROM (
         SELECT DISTINCT customer_id AS anchor FROM duplicate_suggestions
          WHERE account_id = ? AND customer_id > ? AND customer_id < other_id ORDER BY customer_id LIMIT ?
       ) s
       ORDER BY anchor LIMIT ?`,
      [accountId, after, page.limit, accountId, after, page.limit, page.limit],
    );
    return rows.map((r) => String(r.anchor));
  },
};
