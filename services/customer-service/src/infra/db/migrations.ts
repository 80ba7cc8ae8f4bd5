import { CreateMessagingTables1732000000000 } from '@crp/messaging/tables';
import { CreateCustomers1732000000100 } from './migrations/1732000000100-create-customers';

/** Every migration of this service, oldest first. */
export const migrations = [CreateMessagingTables1732000000000, CreateCustomers1732000000100];
