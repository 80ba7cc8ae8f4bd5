import { newId } from '../src/ids';
import { EntitySchema, Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import {
  afterCommit,
  isDuplicateKey,
  isMysql,
  openDatabase,
  openReadSnapshot,
  parseDatabaseUrl,
  type Database,
} from '../src/db';

interface CounterRow {
  name: string;
  value: number;
}

const CounterEntity = new EntitySchema<CounterRow>({
  name: 'Counter',
  tableName: 'counters',
  columns: {
    name: { type: 'varchar', length: 64, primary: true },
    value: { type: 'int' },
  },
});

class CreateCounters1700000000000 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'counters',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          { name: 'value', type: 'int' },
        ],
      }),
    );
  }
  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('counters');
  }
}

const open = (migrate?: boolean) =>
  openDatabase({
    url: 'sqlite::memory:',
    entities: [CounterEntity],
    migrations: [CreateCounters1700000000000],
    ...(migrate === undefined ? {} : { migrate }),
  });

const valueOf = async (db: Database, name: string) =>
  (await db.dataSource.getRepository(CounterEntity).findOneBy({ name }))?.value;

describe('openDatabase (embedded SQLite)', () => {
  let db: Database;
  beforeEach(async () => {
    db = await open();
  });
  afterEach(async () => {
    await db.close();
  });

  it('opens an sqlite database and answers ping', async () => {
    expect(db.kind).toBe('sqlite');
    await expect(db.ping()).resolves.toBeUndefined();
    const runner = db.dataSource.createQueryRunner();
    try {
      expect(isMysql(runner)).toBe(false);
    } finally {
      await runner.release();
    }
  });

  it('runs migrations on open', async () => {
    const runner = db.dataSource.createQueryRunner();
    try {
      expect(await runner.hasTable('counters')).toBe(true);
    } finally {
      await runner.release();
    }
    expect(await db.dataSource.showMigrations()).toBe(false);
    await db.dataSource.getRepository(CounterEntity).insert({ name: 'a', value: 1 });
    expect(await valueOf(db, 'a')).toBe(1);
  });

  it('close() is safe to call twice', async () => {
    await db.close();
    await expect(db.close()).resolves.toBeUndefined();
    db = await open();
  });

  describe('transaction()', () => {
    it('commits what the callback wrote and returns its result', async () => {
      const result = await db.transaction(async (tx) => {
        await tx.getRepository(CounterEntity).insert({ name: 'c', value: 7 });
        return 'done';
      });
      expect(result).toBe('done');
      expect(await valueOf(db, 'c')).toBe(7);
    });

    it('rolls back when the callback throws, and rethrows', async () => {
      await expect(
        db.transaction(async (tx) => {
          await tx.getRepository(CounterEntity).insert({ name: 'r', value: 1 });
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await valueOf(db, 'r')).toBeUndefined();
    });

    it('serializes concurrent read-then-write transactions', async () => {
      await db.dataSource.getRepository(CounterEntity).insert({ name: 'n', value: 0 });
      const increment = () =>
        db.transaction(async (tx) => {
          const repo = tx.getRepository(CounterEntity);
          const row = await repo.findOneByOrFail({ name: 'n' });
          // Yield between read and write so interleaving would lose updates if it happened.
          await new Promise((r) => setImmediate(r));
          await repo.update({ name: 'n' }, { value: row.value + 1 });
        });
      const worker = async () => {
        for (let i = 0; i < 20; i++) await increment();
      };
      await Promise.all([worker(), worker()]);
      expect(await valueOf(db, 'n')).toBe(40);
    });

    it('keeps serving transactions after one failed', async () => {
      const failed = db.transaction(async () => {
        throw new Error('first fails');
      });
      const next = db.transaction(async (tx) => {
        await tx.getRepository(CounterEntity).insert({ name: 'after', value: 1 });
        return 'ok';
      });
      await expect(failed).rejects.toThrow('first fails');
      await expect(next).resolves.toBe('ok');
      expect(await valueOf(db, 'after')).toBe(1);
    });
  });

  describe('afterCommit()', () => {
    it('runs the hook only once the transaction has committed', async () => {
      const calls: string[] = [];
      let transactionActiveInHook: boolean | undefined;
      await db.transaction(async (tx) => {
        afterCommit(tx, () => {
          transactionActiveInHook = tx.queryRunner?.isTransactionActive;
          calls.push('hook');
        });
        await tx.getRepository(CounterEntity).insert({ name: 'h', value: 1 });
        calls.push('body end');
      });
      expect(calls).toEqual(['body end', 'hook']);
      expect(transactionActiveInHook).toBe(false);
    });

    it('runs hooks in registration order', async () => {
      const calls: number[] = [];
      await db.transaction(async (tx) => {
        afterCommit(tx, () => calls.push(1));
        afterCommit(tx, () => calls.push(2));
      });
      expect(calls).toEqual([1, 2]);
    });

    it('never runs the hook after a rollback', async () => {
      const hook = jest.fn();
      await expect(
        db.transaction(async (tx) => {
          afterCommit(tx, hook);
          throw new Error('rollback');
        }),
      ).rejects.toThrow('rollback');
      expect(hook).not.toHaveBeenCalled();
    });

    it('does not carry hooks over from a rolled-back transaction to the next one', async () => {
      const hook = jest.fn();
      await db
        .transaction(async (tx) => {
          afterCommit(tx, hook);
          throw new Error('rollback');
        })
        .catch(() => undefined);
      await db.transaction(async () => undefined);
      expect(hook).not.toHaveBeenCalled();
    });

    it('throws when given a manager that is not from transaction()', async () => {
      expect(() => afterCommit(db.dataSource.manager, () => undefined)).toThrow(/Database\.transaction\(\)/);
      await db.dataSource.transaction(async (tx) => {
        expect(() => afterCommit(tx, () => undefined)).toThrow(/Database\.transaction\(\)/);
      });
    });
  });

  it('isDuplicateKey recognises a primary-key violation from the SQLite driver', async () => {
    const repo = db.dataSource.getRepository(CounterEntity);
    await repo.insert({ name: 'dup', value: 1 });
    const err = await repo.insert({ name: 'dup', value: 2 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeDefined();
    expect(isDuplicateKey(err)).toBe(true);
  });
});

describe('openDatabase with migrate: false', () => {
  it('leaves pending migrations alone', async () => {
    const db = await open(false);
    try {
      expect(await db.dataSource.showMigrations()).toBe(true);
      const runner = db.dataSource.createQueryRunner();
      try {
        expect(await runner.hasTable('counters')).toBe(false);
      } finally {
        await runner.release();
      }
    } finally {
      await db.close();
    }
  });
});

describe('isDuplicateKey', () => {
  it('recognises the MySQL duplicate-entry error', () => {
    expect(
      isDuplicateKey({ code: 'ER_DUP_ENTRY', errno: 1062, message: "Duplicate entry 'x' for key 'PRIMARY'" }),
    ).toBe(true);
    expect(isDuplicateKey({ driverError: { code: 'ER_DUP_ENTRY' } })).toBe(true);
  });

  it('is false for other errors and non-errors', () => {
    expect(isDuplicateKey(new Error('no such table: counters'))).toBe(false);
    expect(isDuplicateKey({ code: 'ER_LOCK_DEADLOCK', errno: 1213 })).toBe(false);
    expect(isDuplicateKey(undefined)).toBe(false);
    expect(isDuplicateKey('UNIQUE')).toBe(false);
  });
});

describe('parseDatabaseUrl', () => {
  it('parses a MySQL URL and keeps it as the location', () => {
    expect(parseDatabaseUrl('mysql://root@127.0.0.1:3306/crp_x')).toEqual({
      kind: 'mysql',
      location: 'mysql://root@127.0.0.1:3306/crp_x',
      database: 'crp_x',
    });
  });

  it('treats mariadb:// as MySQL', () => {
    expect(parseDatabaseUrl('mariadb://u:p@db:3306/crp_y')).toMatchObject({
      kind: 'mysql',
      database: 'crp_y',
    });
  });

  it('parses an SQLite file URL', () => {
    expect(parseDatabaseUrl('sqlite:./x.sqlite')).toEqual({ kind: 'sqlite', location: './x.sqlite' });
  });

  it('parses the in-memory SQLite URL', () => {
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', location: ':memory:' });
  });

  it('refuses a MySQL URL without a database name', () => {
    expect(() => parseDatabaseUrl('mysql://root@127.0.0.1:3306')).toThrow(/needs a database name/);
    expect(() => parseDatabaseUrl('mysql://root@127.0.0.1:3306/')).toThrow(/needs a database name/);
  });

  it('refuses a database name that would need quoting', () => {
    expect(() => parseDatabaseUrl('mysql://root@127.0.0.1:3306/crp%60x')).toThrow(/needs a database name/);
  });

  it('refuses other engines', () => {
    expect(() => parseDatabaseUrl('postgres://u@h:5432/db')).toThrow(/unsupported DATABASE_URL/);
  });
});

describe('nested transactions', () => {
  it('are refused at once instead of hanging the SQLite queue', async () => {
    const db = await openDatabase({ url: 'sqlite::memory:', entities: [], migrations: [] });
    await expect(db.transaction(async () => db.transaction(async () => 1))).rejects.toThrow(
      /nested Database.transaction/,
    );
    // the queue is still usable afterwards
    await expect(db.transaction(async () => 2)).resolves.toBe(2);
    await db.close();
  });
});

describe('openReadSnapshot (SQLite)', () => {
  it('is one transaction held open: its writes commit at close(), another transaction runs after it, close() twice is safe', async () => {
    const db = await open();
    const snap = await openReadSnapshot(db);
    expect(snap.writable).toBe(true);
    await snap.tx.query(`INSERT INTO counters (name, value) VALUES ('a', 1)`);
    let otherRan = false;
    const other = db.transaction(async (tx) => {
      otherRan = true;
      return (await tx.query(`SELECT value FROM counters WHERE name = 'a'`)) as Array<{ value: number }>;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(otherRan).toBe(false);
    await snap.close();
    await snap.close();
    expect(await other).toEqual([{ value: 1 }]);
    const undone = await openReadSnapshot(db);
    await undone.tx.query(`INSERT INTO counters (name, value) VALUES ('b', 2)`);
    await undone.close(true);
    expect(await valueOf(db, 'b')).toBeUndefined();
    await db.close();
  });
});

describe('newId', () => {
  it('sorts in creation order, also for thousands made in the same millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => newId('cus'));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(5000);
    expect(ids[0]).toMatch(/^cus_[0-9a-z]{22}$/);
    expect(ids[0]!.length).toBeLessThanOrEqual(40);
  });
});
