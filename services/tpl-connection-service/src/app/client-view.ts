import type { ConnectionRow } from '../infra/db/entities';

/** One line of the 3PL's client list (R5.6), camelCase, ISO dates. */
export function clientView(c: ConnectionRow) {
  return {
    connectionId: c.id,
    clientAccountId: c.clientAccountId,
    clientEmail: c.clientEmail,
    clientName: c.clientName,
    companyName: c.companyName,
    status: c.status,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
