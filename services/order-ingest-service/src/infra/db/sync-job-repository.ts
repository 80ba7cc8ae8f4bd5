import { In, LessThan } from 'typeorm';
import { dialectOf } from '@crp/platform/sql';
import type { SyncJobRepository } from '../../app/ports';
import { SyncJobEntity } from './entities';

export const syncJobRepository: SyncJobRepository = {
  async insert(tx, job) {
    await tx.getRepository(SyncJobEntity).insert(job);
  },

  async save(tx, job) {
    const { id, ...rest } = job;
    await tx.getRepository(SyncJobEntity).update({ id }, rest);
  },

  get(tx, accountId, storeId, jobId) {
    return tx.getRepository(SyncJobEntity).findOne({ where: { accountId, storeId, id: jobId } });
  },

  list(tx, accountId, storeId, limit) {
    return tx
      .getRepository(SyncJobEntity)
      .find({ where: { accountId, storeId }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
  },

  active(tx, storeId) {
    return tx
      .getRepository(SyncJobEntity)
      .findOne({ where: { storeId, status: In(['queued', 'running']) }, order: { createdAt: 'ASC' } });
  },

  async activeStores(tx, storeIds) {
    if (storeIds.length === 0) return new Set();
    const rows = await tx.getRepository(SyncJobEntity).find({
      select: { storeId: true },
      where: { storeId: In(storeIds), status: In(['queued', 'running']) },
    });
    return new Set(rows.map((r) => r.storeId));
  },

  async claimNext(tx, now) {
    const repo = tx.getRepository(SyncJobEntity);
    const qb = repo
      .createQueryBuilder('j')
      .where('j.status = :queued', { queued: 'queued' })
      .orderBy('j.createdAt', 'ASC')
      .addOrderBy('j.id', 'ASC')
      .limit(1);
    // MySQL: two workers never take the same job; SQLite runs one transaction at a time anyway.
    if (dialectOf(tx) === 'mysql') qb.setLock('pessimistic_write').setOnLocked('skip_locked');
    const job = await qb.getOne();
    if (!job) return null;
    const claimed = { ...job, status: 'running' as const, startedAt: now, heartbeatAt: now };
    await repo.update(
      { id: job.id, status: 'queued' },
      { status: 'running', startedAt: now, heartbeatAt: now },
    );
    return claimed;
  },

  async failStale(tx, staleBefore, now) {
    const res = await tx.getRepository(SyncJobEntity).update(
      { status: 'running', heartbeatAt: LessThan(staleBefore) },
      {
        status: 'failed',
        finishedAt: now,
        errors: ['interrupted: the worker stopped (restart or crash); the next sync reads the window again'],
      },
    );
    return res.affected ?? 0;
  },
};
