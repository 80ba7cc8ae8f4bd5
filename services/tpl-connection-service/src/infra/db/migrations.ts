import { CreateMessagingTables1732000000000 } from '@crp/messaging/tables';
import { CreateConnections1732000000400 } from './migrations/1732000000400-create-connections';

/** Every migration of this service, oldest first. */
export const migrations = [CreateMessagingTables1732000000000, CreateConnections1732000000400];
