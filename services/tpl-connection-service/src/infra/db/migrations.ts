import { CreateConnections1732000000400 } from './migrations/1732000000400-create-connections';
import { ConnectionLifecycle1732000000410 } from './migrations/1732000000410-connection-lifecycle';
import { ConnectionListIndexes1732000000420 } from './migrations/1732000000420-connection-list-indexes';

/** This service's own migrations, oldest first (the kit adds the outbox/inbox tables' one). */
export const migrations = [
  CreateConnections1732000000400,
  ConnectionLifecycle1732000000410,
  ConnectionListIndexes1732000000420,
];
