import { EntitySchema } from 'typeorm';
import { dropMysqlDatabase, openDatabase, openReadSnapshot, type Database } from '../src/db';

const realUp = process.env.REAL_INFRA_STATUS === 'up';
const run = realUp ? describe : describe.skip;

const Row = new EntitySchema<{ id: number; v: number }>({
  name: 'Row',
  tableName: 'rows_t',
  columns: { id: { type: 'int', primary: true }, v: { type: 'int' } },
});

run('openReadSnapshot (MariaDB)', () => {
  const url = `${(process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '')}/t_snap_${Date.now().toString(36)}`;
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({ url, entities: [Row], migrations: [], createDatabase: true });
    await db.dataSource.query('CREATE TABLE rows_t (id INT PRIMARY KEY, v INT NOT NULL)');
    await db.dataSource.query('INSERT INTO rows_t VALUES (1, 10), (2, 20)');
  });
  afterAll(async () => {
    await db.close();
    await dropMysqlDatabase(url);
  });

  it('sees the database as it was when it opened, locks nothing, refuses writes, and gives its connection back at close()', async () => {
    const snap = await openReadSnapshot(db);
    expect(snap.writable).toBe(false);
    // Another transaction locks, changes and adds rows while the snapshot is open: nothing waits.
    await db.transaction(async (tx) => {
      await tx.query('SELECT * FROM rows_t WHERE id = 1 FOR UPDATE');
      await tx.query('UPDATE rows_t SET v = 11 WHERE id = 1');
      await tx.query('INSERT INTO rows_t VALUES (3, 30)');
    });
    expect(await snap.tx.query('SELECT id, v FROM rows_t ORDER BY id')).toEqual([
      { id: 1, v: 10 },
      { id: 2, v: 20 },
    ]);
    await expect(snap.tx.query('UPDATE rows_t SET v = 0 WHERE id = 2')).rejects.toThrow(/READ ONLY/i);
    const pool = (
      db.dataSource.driver as unknown as {
        pool: { _allConnections: { length: number }; _freeConnections: { length: number } };
      }
    ).pool;
    const busy = () => pool._allConnections.length - pool._freeConnections.length;
    expect(busy()).toBe(1);
    await snap.close();
    await snap.close();
    expect(busy()).toBe(0);
    expect(await db.dataSource.query('SELECT id, v FROM rows_t ORDER BY id')).toEqual([
      { id: 1, v: 11 },
      { id: 2, v: 20 },
      { id: 3, v: 30 },
    ]);
  });
});
