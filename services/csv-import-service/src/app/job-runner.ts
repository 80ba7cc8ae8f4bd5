import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Outbox } from '@crp/messaging/outbox';
import type { Database } from '@crp/platform/db';
import type { Logger } from '@crp/platform/logger';
import type { ImportJobRow } from '../infra/db/entities';
import {
  claimJob,
  endJob,
  finishedWithFiles,
  releaseLease,
  renewLease,
  runnableJobIds,
  setJobFile,
} from '../infra/db/repositories';
import { ImportJobEntity } from '../infra/db/entities';
import type { UploadStore } from '../infra/files/upload-store';
import { runJob, type RunSettings } from './run-job';

export interface JobRunnerOptions extends RunSettings {
  db: Database;
  outbox: Outbox;
  store: UploadStore;
  logger: Logger;
  concurrency: number;
  pollMs: number;
  maxAttempts: number;
  fileRetentionMs: number;
}

/**
 * Runs import jobs in the background: takes queued jobs, and running ones whose worker stopped
 * renewing its lease (a process killed with -9 renews nothing), up to `concurrency` at a time,
 * and runs each from its checkpoint. A job holds a lease renewed while it runs; a graceful stop
 * gives the lease back so the next start resumes at once. Also deletes the files of jobs that
 * ended longer than the retention ago.
 */
export class JobRunner {
  /** This worker's identity in leases: host, process, and a random part (pids are reused). */
  readonly owner = `${hostname().slice(0, 30)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly running = new Map<string, { stop: boolean; done: Promise<void> }>();
  private readonly answers = new EventEmitter();
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private lastPurge = 0;

  constructor(private readonly opts: JobRunnerOptions) {
    this.answers.setMaxListeners(0);
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** A job was uploaded: look now rather than at the next poll. */
  nudge(): void {
    this.wake?.();
  }

  /** Answers for a job were counted: a run waiting for room may go on. */
  answered(jobId: string): void {
    this.answers.emit(jobId);
  }

  /** Stops taking jobs, lets running ones stop at their next row, and gives their leases back. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const r of this.running.values()) r.stop = true;
    this.answers.emit('*');
    this.wake?.();
    await this.loop;
    this.loop = null;
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  get activeJobs(): string[] {
    return [...this.running.keys()];
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.takeJobs();
        if (Date.now() - this.lastPurge > 60_000) {
          this.lastPurge = Date.now();
          await this.purgeFiles();
        }
      } catch (err) {
        this.opts.logger.warn({ err: (err as Error).message }, 'import job poll failed; will retry');
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, this.opts.pollMs);
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.wake = done;
      });
      this.wake = null;
    }
  }

  private async takeJobs(): Promise<void> {
    const free = this.opts.concurrency - this.running.size;
    if (free <= 0) return;
    const now = new Date();
    const ids = await this.opts.db.transaction((tx) => runnableJobIds(tx, now, free + this.running.size));
    for (const id of ids) {
      if (this.running.size >= this.opts.concurrency || this.stopping) return;
      if (this.running.has(id)) continue;
      const until = new Date(now.getTime() + this.opts.leaseMs);
      const job = await this.opts.db.transaction(async (tx) =>
        (await claimJob(tx, id, this.owner, now, until))
          ? tx.getRepository(ImportJobEntity).findOneByOrFail({ id })
          : null,
      );
      if (job) this.launch(job);
    }
  }

  private launch(job: ImportJobRow): void {
    const log = this.opts.logger.child({ jobId: job.id, accountId: job.accountId });
    const state = { stop: false, done: Promise.resolve() };
    const renew = setInterval(
      () => {
        this.opts.db
          .transaction((tx) => renewLease(tx, job.id, this.owner, new Date(Date.now() + this.opts.leaseMs)))
          .then((held) => {
            if (!held) state.stop = true;
          })
          .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'lease renewal failed'));
      },
      Math.max(200, Math.floor(this.opts.leaseMs / 3)),
    );
    state.done = (async () => {
      try {
        if (job.attempts > this.opts.maxAttempts) {
          await this.fail(
            job,
            `gave up after ${job.attempts - 1} attempts${job.error ? `: ${job.error}` : ''}`,
          );
          return;
        }
        if (!(await this.opts.store.exists(job.filePath))) {
          await this.fail(job, 'the uploaded file is no longer on disk (CSV_IMPORT_DIR): upload it again');
          return;
        }
        log.info(
          { resumeAt: { line: job.nextLine, offset: job.bytesRead }, attempt: job.attempts },
          'import job running',
        );
        const result = await runJob(job, {
          db: this.opts.db,
          outbox: this.opts.outbox,
          log,
          owner: this.owner,
          settings: this.opts,
          stopped: () => state.stop || this.stopping,
          waitForRoom: (jobId, sent, limit) =>
            this.waitForRoom(jobId, sent, limit, () => state.stop || this.stopping),
        });
        log.info({ result }, result === 'read' ? 'import job file read' : 'import job run stopped');
      } catch (err) {
        log.error({ err }, 'import job run failed; it will be retried');
        await this.opts.db
          .transaction((tx) =>
            tx.getRepository(ImportJobEntity).update(
              { id: job.id, leaseOwner: this.owner },
              {
                error: (err as Error).message.slice(0, 2000),
                // Retried after a pause rather than at once, so a poison file does not spin.
                leaseUntil: new Date(Date.now() + Math.min(30_000, 500 * 2 ** Math.min(job.attempts, 6))),
              },
            ),
          )
          .catch(() => undefined);
        return;
      } finally {
        clearInterval(renew);
        this.running.delete(job.id);
      }
      // The file is read: the job needs no worker any more (answers complete it).
      await this.opts.db.transaction((tx) => releaseLease(tx, job.id, this.owner)).catch(() => undefined);
    })();
    this.running.set(job.id, state);
  }

  private async fail(job: ImportJobRow, reason: string): Promise<void> {
    this.opts.logger.error({ jobId: job.id, reason }, 'import job failed');
    await this.opts.db.transaction((tx) => endJob(tx, job.accountId, job.id, 'failed', new Date(), reason));
  }

  /** Waits until the job has fewer than `limit` rows sent but not answered. */
  private async waitForRoom(jobId: string, sent: number, limit: number, stop: () => boolean): Promise<void> {
    for (;;) {
      const row = await this.opts.db.transaction((tx) =>
        tx
          .getRepository(ImportJobEntity)
          .findOne({ where: { id: jobId }, select: { id: true, answeredRows: true } }),
      );
      if (!row || sent - row.answeredRows <= Math.max(0, limit) || stop()) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, 200);
        const onAnswer = () => done();
        const answers = this.answers;
        function done() {
          clearTimeout(t);
          answers.off(jobId, onAnswer).off('*', onAnswer);
          resolve();
        }
        answers.once(jobId, onAnswer).once('*', onAnswer);
      });
    }
  }

  private async purgeFiles(): Promise<void> {
    const before = new Date(Date.now() - this.opts.fileRetentionMs);
    const jobs = await this.opts.db.transaction((tx) => finishedWithFiles(tx, before, 100));
    for (const job of jobs) {
      await this.opts.store.remove(job.filePath);
      await this.opts.db.transaction((tx) => setJobFile(tx, job.id, null));
    }
  }
}
