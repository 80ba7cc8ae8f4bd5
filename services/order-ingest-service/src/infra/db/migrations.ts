import { CreateOrders1732000000200 } from './migrations/1732000000200-create-orders';

/** This service's own migrations, oldest first (the kit adds the outbox/inbox tables' one). */
export const migrations = [CreateOrders1732000000200];
