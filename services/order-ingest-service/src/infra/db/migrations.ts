import { CreateMessagingTables1732000000000 } from '@crp/messaging/tables';
import { CreateOrders1732000000200 } from './migrations/1732000000200-create-orders';

/** Every migration of this service, oldest first. */
export const migrations = [CreateMessagingTables1732000000000, CreateOrders1732000000200];
