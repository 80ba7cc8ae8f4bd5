import { CreateCustomers1732000000100 } from './migrations/1732000000100-create-customers';

/** This service's own migrations, oldest first (the kit adds the outbox/inbox tables' one). */
export const migrations = [CreateCustomers1732000000100];
