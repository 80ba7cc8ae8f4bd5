import type { Database } from '@crp/platform/db';
import { notFound } from '@crp/platform/errors';
import type { CustomerRecord } from '../domain/records';
import type { CustomerRepository, DuplicatePair, DuplicateRepository } from './ports';
import { groupBy, read } from './queries';

export type DuplicateRepos = { repo: CustomerRepository; duplicates: DuplicateRepository };

/** Enough of a record to judge a likely duplicate at a glance. */
export function customerSummary(c: CustomerRecord) {
  const a = c.postalAddress ?? c.shippingAddress;
  return {
    customerId: c.id,
    status: c.status,
    name: c.name,
    email: c.email,
    phone: c.phone,
    street1: a?.street1 ?? null,
    city: a?.city ?? null,
    postalCode: a?.postalCode ?? null,
    countryCode: a?.country ?? null,
    orderCount: c.orderCount,
    createDate: c.createdAt.toISOString(),
  };
}

/**
 * The other active records behind `pairs`, one entry each: every reason with its confidence and
 * source, the entry's confidence the highest of them; surest first.
 */
function entries(pairs: DuplicatePair[], others: Map<string, CustomerRecord>) {
  const byOther = new Map<string, DuplicatePair[]>();
  for (const p of pairs) {
    if (others.get(p.otherId)?.status !== 'active') continue;
    const list = byOther.get(p.otherId);
    if (list) list.push(p);
    else byOther.set(p.otherId, [p]);
  }
  return [...byOther.entries()]
    .map(([otherId, list]) => ({
      customerId: otherId,
      confidence: Math.max(...list.map((p) => p.confidence)),
      reasons: list
        .map((p) => ({ reason: p.reason, confidence: p.confidence, source: p.source }))
        .sort((a, b) => b.confidence - a.confidence || a.reason.localeCompare(b.reason)),
      customer: customerSummary(others.get(otherId)!),
    }))
    .sort((a, b) => b.confidence - a.confidence || a.customerId.localeCompare(b.customerId));
}

async function loadOthers(
  tx: Parameters<CustomerRepository['customersById']>[0],
  repo: CustomerRepository,
  accountId: string,
  ids: string[],
) {
  const found = await repo.customersById(
    tx,
    [...new Set(ids)].map((id) => ({ accountId, id })),
  );
  return new Map(found.map((c) => [c.id, c]));
}

/**
 * At most this many other records in one answer of duplicates (a customer's, a group's). A
 * placeholder email or phone that thousands of records share made each answer load and send all of
 * them. The surest are kept, exactly: R1.6 pairs have one confidence per key and are read per key
 * in id order, suggestions are few (MAX_BLOCK); `truncated` says that more qualify.
 */
export const DUPLICATES_CAP = 100;

/**
 * R1.6 and the likely-duplicate suggestions of one customer: the other active records of the
 * account that may be the same person, why, and how sure; the DUPLICATES_CAP surest. Nothing here
 * merges anything (R2.7).
 */
export async function duplicatesOf(
  db: Database,
  repos: DuplicateRepos,
  accountId: string,
  customerId: string,
) {
  return read(db, async (tx) => {
    const c = await repos.repo.findCustomer(tx, accountId, customerId);
    if (!c) throw notFound(`Customer ${customerId}`);
    const pairs = await repos.duplicates.duplicatePairsOf(tx, accountId, customerId, DUPLICATES_CAP + 1);
    const others = await loadOthers(
      tx,
      repos.repo,
      accountId,
      pairs.map((p) => p.otherId),
    );
    const found = entries(pairs, others);
    if (found.length <= DUPLICATES_CAP) return { customerId, duplicates: found, truncated: false };
    // These are the surest; a pair of theirs on the other side or under the other key may lie past
    // where its list was cut, so their pairs are read again, all of them.
    const kept = found.slice(0, DUPLICATES_CAP).map((e) => e.customerId);
    const complete = await repos.duplicates.duplicatePairsBetween(tx, accountId, customerId, kept);
    return { customerId, duplicates: entries(complete, others), truncated: true };
  });
}

/**
 * The account's groups of likely duplicates, keyset-paginated by the group's anchor: the record
 * R1.6 links orders to, or the older record of a suggested pair. A pair is listed in its anchor's
 * group only; groups whose anchor or every member is no longer active are left out. A group lists
 * its DUPLICATES_CAP surest members.
 */
export async function duplicateGroups(
  db: Database,
  repos: DuplicateRepos,
  accountId: string,
  page: { cursor?: string; limit: number },
) {
  return read(db, async (tx) => {
    const anchors = await repos.duplicates.duplicateAnchors(tx, accountId, {
      after: page.cursor,
      limit: page.limit + 1,
    });
    const shown = anchors.slice(0, page.limit);
    const pairs = await repos.duplicates.anchoredPairsOf(tx, accountId, shown, DUPLICATES_CAP + 1);
    const records = await loadOthers(tx, repos.repo, accountId, [...shown, ...pairs.map((p) => p.otherId)]);
    const byAnchor = groupBy(pairs, (p) => p.customerId);
    const groups = shown.flatMap((anchor) => {
      const a = records.get(anchor);
      if (a?.status !== 'active') return [];
      // One R1.6 pair per duplicate here (the anchored side): the cut lists are already exact.
      const members = entries(byAnchor.get(anchor) ?? [], records);
      if (members.length === 0) return [];
      return [
        {
          customer: customerSummary(a),
          duplicates: members.slice(0, DUPLICATES_CAP),
          truncated: members.length > DUPLICATES_CAP,
        },
      ];
    });
    return { groups, nextCursor: anchors.length > page.limit ? shown[shown.length - 1]! : null };
  });
}
