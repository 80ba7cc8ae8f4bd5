import { CreateMessagingTables1732000000000 } from '@crp/messaging/tables';
import { CreateImportJobs1732000000300 } from './migrations/1732000000300-create-import-jobs';

/** Every migration of this service, oldest first. */
export const migrations = [CreateMessagingTables1732000000000, CreateImportJobs1732000000300];
