import type { EntityManager } from 'typeorm';
import { BatchTable, dialectOf, keysIn, queryRows } from '@crp/platform/sql';
import type { DuplicatePair, DuplicateRepository } from '../../app/ports';
import {
  CONFIDENCE,
  type MatchFacts,
  type MatchKeysRecord,
  type SuggestionRecord,
} from '../../domain/duplicates';
import type { DuplicateScanRecord } from '../../domain/records';
import { DuplicateScanEntity, MatchKeysEntity, SuggestionEntity } from './entities';

export const scanQueue = new BatchTable<DuplicateScanRecord>(DuplicateScanEntity);
const matchKeys = new BatchTable<MatchKeysRecord>(MatchKeysEntity);
const suggestions = new BatchTable<SuggestionRecord>(SuggestionEntity);

/** DATETIME(3) parameters: MySQL takes Dates (connection timezone Z); SQLite compares TypeORM's text form. */
const stamp = (tx: EntityManager, d: Date): Date | string =>
  dialectOf(tx) === 'mysql' ? d : d.toISOString().replace('T', ' ').replace('Z', '');

const sharedKeyReason = (matchedOn: unknown) => (matchedOn === 'phone' ? 'same_phone' : 'same_email');

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
      stamp(tx, newest),
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

  async matchKeyCandidates(tx, by) {
    const found = new Map<string, MatchKeysRecord>();
    for (const [column, values] of [
      ['addressKey', by.addresses],
      ['phoneE164', by.phones],
    ] as const) {
      const rows = await matchKeys.selectByKeys(
        tx,
        ['accountId', column],
        values.map((v) => [v.accountId, v.value]),
      );
      for (const r of rows) found.set(`${r.accountId}\u0000${r.customerId}`, r);
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

  async duplicatePairsOf(tx, accountId, customerIds) {
    if (customerIds.length === 0) return [];
    const pairs: DuplicatePair[] = [];
    const ids = keysIn(
      dialectOf(tx),
      ['customer_id'],
      customerIds.map((id) => [id]),
    );
    const ofIds = keysIn(
      dialectOf(tx),
      ['duplicate_of_id'],
      customerIds.map((id) => [id]),
    );
    // R1.6, seen from the record that has duplicates (the one orders link to) and from a duplicate.
    for (const r of await queryRows(
      tx,
      `SELECT customer_id, duplicate_of_id, matched_on FROM possible_duplicates WHERE account_id = ? AND ${ofIds.sql}`,
      [accountId, ...ofIds.params],
    )) {
      const reason = sharedKeyReason(r.matched_on);
      pairs.push({
        customerId: String(r.duplicate_of_id),
        otherId: String(r.customer_id),
        reason,
        confidence: CONFIDENCE[reason],
        source: 'matching',
        anchored: true,
      });
    }
    for (const r of await queryRows(
      tx,
      `SELECT customer_id, duplicate_of_id, matched_on FROM possible_duplicates WHERE account_id = ? AND ${ids.sql}`,
      [accountId, ...ids.params],
    )) {
      const reason = sharedKeyReason(r.matched_on);
      pairs.push({
        customerId: String(r.customer_id),
        otherId: String(r.duplicate_of_id),
        reason,
        confidence: CONFIDENCE[reason],
        source: 'matching',
        anchored: false,
      });
    }
    for (const r of await suggestions.select(tx, `account_id = ? AND ${ids.sql}`, [
      accountId,
      ...ids.params,
    ])) {
      pairs.push({
        customerId: r.customerId,
        otherId: r.otherId,
        reason: r.reason,
        confidence: r.confidence,
        source: 'suggestion',
        anchored: r.customerId < r.otherId,
      });
    }
    return pairs;
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
