import type { Database } from '@crp/platform/db';
import { notFound } from '@crp/platform/errors';
import { findJob, listJobs } from '../infra/db/repositories';
import { jobView } from './job-view';

/** The caller's import jobs, newest first. */
export async function listImports(db: Database, accountId: string, limit: number) {
  const rows = await listJobs(db.dataSource.manager, accountId, limit);
  return { jobs: rows.map(jobView) };
}

/** One job of the caller's account; another account's id is simply not found (404). */
export async function getImport(db: Database, accountId: string, jobId: string) {
  const job = await findJob(db.dataSource.manager, accountId, jobId);
  if (!job) throw notFound(`Import job ${jobId}`);
  return jobView(job);
}
