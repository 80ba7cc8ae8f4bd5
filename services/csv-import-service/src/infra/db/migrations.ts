import { CreateImportJobs1732000000300 } from './migrations/1732000000300-create-import-jobs';
import { ImportJobsRunAndResume1796000000300 } from './migrations/1796000000300-import-jobs-run-and-resume';

/** This service's own migrations, oldest first (the kit adds the outbox/inbox tables' one). */
export const migrations = [CreateImportJobs1732000000300, ImportJobsRunAndResume1796000000300];
