import type { EntityManager } from 'typeorm';
import { conflict, validationFailed } from '@crp/platform/errors';
import { newId } from '@crp/platform/ids';
import { decideCreate, decideEdit, type CustomerEdit, type Warning } from '../domain/edit';
import { isEmail, matchableEmail, normalizePhone } from '../domain/normalize';
import { oldestFirst } from '../domain/matching';
import { settingsOrDefault, type CustomerRecord } from '../domain/records';
import { customerUpserted } from './customer-events';
import { customerView } from './customer-view';
import type { IfMatch } from './preconditions';
import { type Actor, lockCustomer, nowOf, type WriteDeps, writeTransaction } from './write-deps';

/** What an edit or a creation answers: the record as it now is, and what the caller should know. */
export type WriteResult = ReturnType<typeof customerView> & { warnings: Warning[] };

/**
 * PATCH /v1/customers/:id (R2.1–R2.5): load the record (locked), decide over plain data
 * (domain/edit.ts), write the record, its change-log row and a CustomerUpserted in one
 * transaction. A request touching a locked field is refused whole: 409 naming each field and the
 * store that owns it, nothing written. With `ifMatch` (the ETag the caller read), a record changed
 * since is a 412, nothing written.
 */
export async function editCustomer(
  deps: WriteDeps,
  actor: Actor,
  customerId: string,
  edit: CustomerEdit,
  ifMatch?: IfMatch,
): Promise<WriteResult> {
  checkEdit(edit);
  const now = nowOf(deps);
  return writeTransaction(deps, async (tx) => {
    const { repo } = deps;
    const rules = settingsOrDefault(actor.accountId, (await repo.settings(tx, [actor.accountId]))[0]);
    const current = await lockCustomer(tx, repo, actor.accountId, customerId, ifMatch);
    if (current.status === 'merged' || current.status === 'deleted') {
      throw conflict(
        current.status === 'merged'
          ? `Customer ${customerId} was merged into ${current.mergedIntoId}: edit that record instead`
          : `Customer ${customerId} is deleted and cannot be edited`,
        { status: current.status, mergedIntoId: current.mergedIntoId },
      );
    }
    const d = decideEdit(current, edit, { source: 'manual', now, defaultCountry: rules.defaultCountry });
    if (d.kind === 'locked') {
      const names = d.locked.map((l) => `${l.field} (store ${l.storeName ?? l.storeId})`).join(', ');
      throw conflict(
        `Locked fields cannot be edited (R2.1): ${names}. A store-synced field changes only with a newer order from that store; nothing was changed`,
        { lockedFields: d.locked },
      );
    }
    const identities = await repo.identitiesOf(tx, [{ accountId: actor.accountId, customerId }]);
    if (d.changes.length === 0) return { ...customerView(current, identities), warnings: d.warnings };
    const updated: CustomerRecord = {
      ...current,
      ...d.next,
      emailNormalized: matchableEmail(d.next.email),
      phoneE164: normalizePhone(d.next.phone, rules.defaultCountry),
      version: current.version + 1,
      updatedAt: now,
    };
    const warnings = [...d.warnings, ...(await sharedKeyWarnings(deps, tx, updated, current))];
    await repo.updateCustomers(tx, [updated]);
    await repo.insertChanges(tx, [
      {
        id: newId('chg'),
        accountId: actor.accountId,
        customerId,
        at: now,
        actor: actor.userId,
        source: 'manual',
        kind: 'edit',
        changes: d.changes,
      },
    ]);
    await deps.outbox.add(
      tx,
      customerUpserted(
        { accountId: actor.accountId, correlationId: actor.correlationId },
        updated,
        identities,
        'edit',
        false,
        null,
      ),
    );
    return { ...customerView(updated, identities), warnings };
  });
}

/**
 * POST /v1/customers: a record made through the API (every field it sets has the source `api`).
 * Other active records holding the same email or phone are reported as possible duplicates of
 * the oldest of them (R1.6) and named in a warning; nothing is merged.
 */
export async function createCustomer(
  deps: WriteDeps,
  actor: Actor,
  input: CustomerEdit,
): Promise<WriteResult> {
  checkEdit(input);
  const given = [input.name, input.firstName, input.lastName, input.company, input.email, input.phone];
  if (!given.some((v) => v && v.trim())) {
    throw validationFailed('A customer needs at least a name, a company, an email or a phone', [
      'body needs one of name, firstName, lastName, company, email, phone',
    ]);
  }
  const now = nowOf(deps);
  return writeTransaction(deps, async (tx) => {
    const { repo } = deps;
    const rules = settingsOrDefault(actor.accountId, (await repo.settings(tx, [actor.accountId]))[0]);
    const d = decideCreate(input, { source: 'api', now, defaultCountry: rules.defaultCountry });
    const created: CustomerRecord = {
      id: newId('cus'),
      accountId: actor.accountId,
      status: 'active',
      mergedIntoId: null,
      ...d.next,
      emailNormalized: matchableEmail(d.next.email),
      phoneE164: normalizePhone(d.next.phone, rules.defaultCountry),
      orderCount: 0,
      totalSpent: 0,
      firstOrderDate: null,
      lastOrderDate: null,
      erasedAt: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    const warnings = [
      ...d.warnings.filter((w) => w.code !== 'EMAIL_IS_MATCHING_KEY'),
      ...(await sharedKeyWarnings(deps, tx, created, null)),
    ];
    await repo.insertCustomers(tx, [created]);
    await repo.insertChanges(tx, [
      {
        id: newId('chg'),
        accountId: actor.accountId,
        customerId: created.id,
        at: now,
        actor: actor.userId,
        source: 'api',
        kind: 'create',
        changes: d.changes,
      },
    ]);
    await deps.outbox.add(
      tx,
      customerUpserted(
        { accountId: actor.accountId, correlationId: actor.correlationId },
        created,
        [],
        'edit',
        true,
        null,
      ),
    );
    return { ...customerView(created, []), warnings };
  });
}

/** Values the database could store but that must not be accepted as they are. */
function checkEdit(edit: CustomerEdit) {
  if (edit.email && edit.email.trim() && !isEmail(edit.email)) {
    throw validationFailed(`email "${edit.email}" is not an email address`, [
      `body email "${edit.email}" is not an email address`,
    ]);
  }
}

/**
 * R1.6 for a record a person just wrote: other active records holding its (new) email or phone
 * are recorded as possible duplicates of the oldest record sharing that key, and named.
 */
async function sharedKeyWarnings(
  deps: WriteDeps,
  tx: EntityManager,
  c: CustomerRecord,
  before: CustomerRecord | null,
): Promise<Warning[]> {
  const warnings: Warning[] = [];
  for (const key of ['email', 'phone'] as const) {
    const value = key === 'email' ? c.emailNormalized : c.phoneE164;
    const old = before ? (key === 'email' ? before.emailNormalized : before.phoneE164) : null;
    if (!value || value === old) continue;
    const others = (
      await deps.repo.activeCustomersByKey(tx, key, [{ accountId: c.accountId, value }])
    ).filter((o) => o.id !== c.id);
    if (others.length === 0) continue;
    const [oldest, ...rest] = oldestFirst([...others, c]);
    await deps.repo.addPossibleDuplicates(
      tx,
      [oldest!, ...rest]
        .filter((o) => o.id !== oldest!.id)
        .map((o) => ({
          accountId: c.accountId,
          customerId: o.id,
          duplicateOfId: oldest!.id,
          matchedOn: key,
          createdAt: nowOf(deps),
        })),
    );
    warnings.push({
      code: key === 'email' ? 'EMAIL_SHARED' : 'PHONE_SHARED',
      field: key,
      message: `${others.map((o) => o.id).join(', ')} also ${others.length === 1 ? 'holds' : 'hold'} this ${key}: listed as possible duplicates (R1.6); merge them if they are one person`,
    });
  }
  return warnings;
}
