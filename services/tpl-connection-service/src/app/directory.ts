import type { Database } from '@crp/platform/db';
import type { DirectoryRepository } from './ports';

export interface SeenCaller {
  accountId: string;
  role: 'admin' | 'member';
  email?: string;
}

/**
 * The accounts directory (R5.1, ADR 0008) is fed by the callers themselves: every request of an
 * admin whose token carries a verified `email` claim records (account, email); a token that says
 * the same person is now a member removes it. A small in-memory memo keeps this to one write per
 * (account, email, role) per `memoMs`, not one per request.
 */
export function createDirectoryRecorder(opts: {
  db: Database;
  directory: DirectoryRepository;
  now: () => Date;
  memoMs?: number;
  memoSize?: number;
}) {
  const memoMs = opts.memoMs ?? 5 * 60_000;
  const memoSize = opts.memoSize ?? 10_000;
  const memo = new Map<string, number>();

  return async function seen(caller: SeenCaller): Promise<void> {
    if (!caller.email) return;
    const now = opts.now();
    const key = `${caller.accountId}\n${caller.email}\n${caller.role}`;
    const until = memo.get(key);
    if (until !== undefined && until > now.getTime()) return;
    await opts.db.transaction(async (tx) => {
      if (caller.role === 'admin') {
        await opts.directory.record(tx, {
          accountId: caller.accountId,
          email: caller.email!,
          firstSeenAt: now,
          lastSeenAt: now,
        });
      } else {
        await opts.directory.forget(tx, caller.accountId, caller.email!);
      }
    });
    if (memo.size >= memoSize) memo.clear();
    memo.set(key, now.getTime() + memoMs);
    // The other role's memo is stale now: a later switch back must be written.
    memo.delete(`${caller.accountId}\n${caller.email}\n${caller.role === 'admin' ? 'member' : 'admin'}`);
  };
}

export type DirectoryRecorder = ReturnType<typeof createDirectoryRecorder>;
