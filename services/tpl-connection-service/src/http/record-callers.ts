import type { RouteSpec } from '@crp/platform/http';
import type { DirectoryRecorder } from '../app/directory';

/**
 * Every route first tells the accounts directory who called (R5.1, ADR 0008): an admin's verified
 * email is how a 3PL can later find the account to invite.
 */
export function recordingCallers(routes: RouteSpec[], seen: DirectoryRecorder): RouteSpec[] {
  return routes.map((r) => ({
    ...r,
    handler: async (ctx) => {
      await seen(ctx.principal);
      return r.handler(ctx);
    },
  }));
}
