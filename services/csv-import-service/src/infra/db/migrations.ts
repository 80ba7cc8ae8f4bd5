import { CreateImportJobs1732000000300 } from './migrations/1732000000300-create-import-jobs';
import { ImportJobsRunAndResume1796000000300 } from './migrations/1796000000300-import-jobs-run-and-resume';
import { ReportOutcomeIndex1796000000400 } from './migrations/1796000000400-report-outcome-index';
import { RunnerPollIndexes1796000000500 } from './migrations/1796000000500-runner-poll-indexes';
import { ReportChangesMediumtext1796000000600 } from './migrations/1796000000600-report-changes-mediumtext';

/** This service's own migrations, oldest first (the kit adds the outbox/inbox tables' one). */
export const migrations = [
  CreateImportJobs1732000000300,
  ImportJobsRunAndResume1796000000300,
  ReportOutcomeIndex1796000000400,
  RunnerPollIndexes1796000000500,
  ReportChangesMediumtext1796000000600,
];
