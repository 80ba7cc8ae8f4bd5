import { createHash } from 'node:crypto';
import { TEXT_LIMITS } from '@crp/contracts/limits';
import type { Actor } from '../app/write-deps';

/** The columns that record who acted (`customer_changes.actor`, `privacy_requests.requested_by`). */
const ACTOR_MAX = TEXT_LIMITS.name;

/**
 * Who a request acts for: the caller's account, user (JWT `sub`) and correlation id. A `sub`
 * longer than the column (no issuer we know makes one) is kept recognisable and unique — its
 * start and a hash — rather than failing the write.
 */
export function actorOf(ctx: {
  principal: { accountId: string; userId: string };
  correlationId: string;
}): Actor {
  const sub = ctx.principal.userId;
  const userId =
    sub.length <= ACTOR_MAX
      ? sub
      : `${sub.slice(0, ACTOR_MAX - 46)}…sha1:${createHash('sha1').update(sub).digest('hex')}`;
  return { accountId: ctx.principal.accountId, userId, correlationId: ctx.correlationId };
}
