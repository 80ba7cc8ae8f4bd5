import { DataSource } from 'typeorm';
import { createMysqlDatabase, dropMysqlDatabase } from '../src/db';

const realUp = process.env.REAL_INFRA_STATUS === 'up';
const run = realUp ? describe : describe.skip;

run('dropMysqlDatabase (MariaDB)', () => {
  it('drops a database while another session sits inside a transaction on one of its tables', async () => {
    const url = `${(process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '')}/t_drop_${Date.now().toString(36)}`;
    await createMysqlDatabase(url);
    // What a process killed behind a proxy leaves: a session, mid-transaction, holding the table's
    // metadata lock. A plain DROP DATABASE waits on it for lock_wait_timeout (a day by default).
    const holder = new DataSource({ type: 'mysql', url, logging: false });
    await holder.initialize();
    const runner = holder.createQueryRunner();
    await runner.query('CREATE TABLE t (id INT PRIMARY KEY)');
    await runner.startTransaction();
    await runner.query('INSERT INTO t VALUES (1)');
    try {
      const started = Date.now();
      await dropMysqlDatabase(url);
      expect(Date.now() - started).toBeLessThan(30_000);
      const probe = new DataSource({ type: 'mysql', url: url.replace(/\/[^/]+$/, '/'), logging: false });
      await probe.initialize();
      const left = await probe.query(
        'SELECT schema_name FROM information_schema.schemata WHERE schema_name = ?',
        [url.split('/').pop()],
      );
      await probe.destroy();
      expect(left).toEqual([]);
    } finally {
      await runner.release().catch(() => undefined);
      await holder.destroy().catch(() => undefined);
    }
  }, 60_000);
});
