import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EntitySchema,
  Table,
  TableIndex,
  type EntityManager,
  type MigrationInterface,
  type QueryRunner,
} from 'typeorm';
import { entityColumn, tableColumn } from '../src/columns';
import { createMysqlDatabase, dropMysqlDatabase, openDatabase, type Database } from '../src/db';
import { BatchTable, dialectOf, indexForKeys, inList } from '../src/sql';

interface ThingRow {
  accountId: string;
  id: string;
  name: string | null;
  amount: number;
  flag: boolean;
  data: { a: number; tags: string[] } | null;
  at: Date;
}

const ThingEntity = new EntitySchema<ThingRow>({
  name: 'Thing',
  tableName: 'things',
  columns: {
    accountId: { ...entityColumn.varchar('account_id', 64, false), primary: true },
    id: { ...entityColumn.varchar('id', 40, false), primary: true },
    name: entityColumn.varchar('name', 20),
    amount: { ...entityColumn.money('amount') },
    flag: { type: 'boolean' },
    data: { type: 'simple-json', nullable: true },
    at: entityColumn.datetime('at'),
  },
});

class CreateThings1700000000001 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'things',
        columns: [
          { ...tableColumn.varchar('account_id', 64, false), isPrimary: true },
          { ...tableColumn.varchar('id', 40, false), isPrimary: true },
          tableColumn.varchar('name', 20),
          tableColumn.money('amount'),
          { name: 'flag', type: 'boolean' },
          tableColumn.text('data'),
          tableColumn.datetime('at'),
        ],
        indices: [new TableIndex({ name: 'idx_things_name', columnNames: ['account_id', 'name'] })],
      }),
    );
  }
  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('things');
  }
}

const things = new BatchTable(ThingEntity);
const thing = (id: string, extra: Partial<ThingRow> = {}): ThingRow => ({
  accountId: 'acme',
  id,
  name: `n-${id}`,
  amount: 12.34,
  flag: true,
  data: { a: 1, tags: ['x', 'ü'] },
  at: new Date('2026-11-20T10:11:12.345Z'),
  ...extra,
});

const realUp = process.env.REAL_INFRA_STATUS === 'up';
const stacks: Array<[string, () => Promise<{ url: string; cleanup: () => Promise<void> }>]> = [
  [
    'SQLite file (better-sqlite3, WAL)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'crp-sql-'));
      return {
        url: `sqlite:${join(dir, 'db.sqlite')}`,
        cleanup: async () => rmSync(dir, { recursive: true }),
      };
    },
  ],
  [
    'MariaDB',
    async () => {
      const url = `${(process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '')}/t_sql_${Date.now().toString(36)}`;
      await createMysqlDatabase(url);
      return { url, cleanup: () => dropMysqlDatabase(url) };
    },
  ],
];

describe.each(stacks)('BatchTable on %s', (name, make) => {
  const run = name === 'MariaDB' && !realUp ? describe.skip : describe;
  run('multi-row statements', () => {
    let db: Database;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      const made = await make();
      cleanup = made.cleanup;
      db = await openDatabase({
        url: made.url,
        entities: [ThingEntity],
        migrations: [CreateThings1700000000001],
      });
    });
    afterAll(async () => {
      await db.close();
      await cleanup();
    });
    /** Rows MariaDB stepped through by index or scan in this session (0 on SQLite). */
    const handlerReads = async (tx: EntityManager): Promise<number> => {
      if (name !== 'MariaDB') return 0;
      const status = (await tx.query(
        "SHOW SESSION STATUS WHERE Variable_name IN ('Handler_read_next', 'Handler_read_rnd_next')",
      )) as Array<{ Value: string }>;
      return status.reduce((n, r) => n + Number(r.Value), 0);
    };

    it('inserts many rows that read back through a repository exactly as written', async () => {
      const rows = Array.from({ length: 2500 }, (_, i) =>
        thing(`a${i}`, { amount: i / 100, flag: i % 2 === 0 }),
      );
      await db.transaction((tx) => things.insert(tx, rows));
      const back = await db.dataSource
        .getRepository(ThingEntity)
        .findOneByOrFail({ accountId: 'acme', id: 'a7' });
      expect(back).toEqual(rows[7]);
      expect(await db.dataSource.getRepository(ThingEntity).count()).toBe(2500);
    });

    it('cuts batches of any size into a few fixed statement shapes, so prepared statements are reused', async () => {
      const shapes = new Set<number>();
      let statements = 0;
      await db.transaction(async (tx) => {
        const query = tx.query.bind(tx);
        const spy = jest
          .spyOn(tx, 'query')
          .mockImplementation((sql: string, params?: Parameters<typeof query>[1]) => {
            if (sql.startsWith('INSERT')) {
              statements++;
              shapes.add((sql.match(/\),\s*\(/g) ?? []).length + 1);
            }
            return query(sql, params);
          });
        // 300 + 77 + 5 rows: without fixed shapes, three batch sizes would be three new statements.
        for (const [from, n] of [
          [0, 300],
          [300, 77],
          [377, 5],
        ] as const)
          await things.insert(
            tx,
            Array.from({ length: n }, (_, i) => thing(`shape${from + i}`)),
          );
        spy.mockRestore();
      });
      if (dialectOf(db.dataSource.manager) === 'sqlite') {
        // MySQL sends its writes as prepared statements on the connection, not through tx.query.
        expect([...shapes].every((n) => [256, 64, 16, 4, 1].includes(n))).toBe(true);
        expect(statements).toBeGreaterThan(3);
      }
      expect(
        await db.dataSource.getRepository(ThingEntity).countBy({ accountId: 'acme' }),
      ).toBeGreaterThanOrEqual(2500 + 382);
    });

    it('select() hydrates JSON, decimals, booleans and UTC dates', async () => {
      const got = await db.transaction(async (tx) => {
        const list = inList(['a1', 'a2', 'missing']);
        return things.select(
          tx,
          `account_id = ? AND id IN ${list.sql}`,
          ['acme', ...list.params],
          'ORDER BY id',
        );
      });
      expect(got.map((r) => r.id)).toEqual(['a1', 'a2']);
      expect(got[0]).toEqual(thing('a1', { amount: 0.01, flag: false }));
      expect(got[0]!.at).toBeInstanceOf(Date);
    });

    it("onDuplicate 'ignore' keeps the stored row and adds the new ones", async () => {
      await db.transaction((tx) =>
        things.insert(tx, [thing('a1', { name: 'changed' }), thing('b1')], { onDuplicate: 'ignore' }),
      );
      const repo = db.dataSource.getRepository(ThingEntity);
      expect((await repo.findOneByOrFail({ accountId: 'acme', id: 'a1' })).name).toBe('n-a1');
      expect(await repo.findOneBy({ accountId: 'acme', id: 'b1' })).not.toBeNull();
    });

    it('an upsert overwrites only the listed columns of existing rows', async () => {
      await db.transaction((tx) =>
        things.insert(tx, [thing('a2', { name: 'renamed', amount: 99 }), thing('c1')], {
          onDuplicate: { conflictKeys: ['accountId', 'id'], update: ['name'] },
        }),
      );
      const a2 = await db.dataSource
        .getRepository(ThingEntity)
        .findOneByOrFail({ accountId: 'acme', id: 'a2' });
      expect(a2.name).toBe('renamed');
      expect(a2.amount).toBe(0.02);
    });

    it('a plain insert of an existing key fails, and the whole transaction rolls back', async () => {
      await expect(db.transaction((tx) => things.insert(tx, [thing('d1'), thing('a3')]))).rejects.toThrow();
      expect(
        await db.dataSource.getRepository(ThingEntity).findOneBy({ accountId: 'acme', id: 'd1' }),
      ).toBeNull();
    });

    it('values are parameters, never SQL', async () => {
      const evil = "x'); DROP TABLE things; --";
      await db.transaction((tx) => things.insert(tx, [thing('e1', { name: evil.slice(0, 20) })]));
      const got = await db.transaction((tx) =>
        things.select(tx, 'account_id = ? AND name = ?', ['acme', evil.slice(0, 20)]),
      );
      expect(got).toHaveLength(1);
    });

    it('selectByKeys finds exactly the rows of many composite keys in one statement (lists padded to few shapes)', async () => {
      const keys = [
        ['acme', 'a5'],
        ['acme', 'a6'],
        ['acme', 'nope'],
        ['other', 'a5'],
        ['acme', 'a5'],
      ];
      const got = await db.transaction((tx) =>
        things.selectByKeys(tx, ['accountId', 'id'], keys, { lock: true, suffix: 'ORDER BY id' }),
      );
      expect(got.map((r) => `${r.accountId}/${r.id}`)).toEqual(['acme/a5', 'acme/a6']);
      const many = Array.from({ length: 300 }, (_, i) => ['acme', `a${i}`]);
      const all = await db.transaction((tx) =>
        things.selectByKeys(tx, ['accountId', 'id'], many, { where: 'flag = ?', params: [true] }),
      );
      expect(all).toHaveLength(150);
      expect(await db.transaction((tx) => things.selectByKeys(tx, ['accountId', 'id'], []))).toEqual([]);
    });

    it('a many-key lookup reads through the index of its key columns, not the whole table', async () => {
      // MariaDB takes `(account_id = ? AND name IN (…)) OR …` with more values than
      // eq_range_index_dive_limit (200) for a scan of every row of those accounts: on the hot path
      // each batch read every customer twice (docs/performance.md). Here 2,000 keys of 12,000 rows.
      const accounts = Array.from({ length: 8 }, (_, a) => `acct-${a}`);
      const rows = accounts.flatMap((accountId) =>
        Array.from({ length: 1500 }, (_, i) => thing(`s${i}`, { accountId, name: `nm-${i}` })),
      );
      await db.transaction((tx) => things.insert(tx, rows, { onDuplicate: 'ignore' }));
      if (name === 'MariaDB') await db.dataSource.query('ANALYZE TABLE things');
      const keys = accounts.flatMap((accountId) =>
        Array.from({ length: 250 }, (_, i) => [accountId, `nm-${i * 5}`]),
      );
      const { got, read } = await db.transaction(async (tx) => {
        const before = await handlerReads(tx);
        const found = await things.selectByKeys(tx, ['accountId', 'name'], keys, {
          where: 'flag = ?',
          params: [true],
          lock: true,
        });
        return { got: found, read: (await handlerReads(tx)) - before };
      });
      expect(got).toHaveLength(keys.length);
      expect(read).toBeLessThan(2 * keys.length); // reading those accounts' rows whole is 12,000
    });

    it('a lookup of more than 1,000 keys of one account reads those rows only', async () => {
      // MariaDB joins an IN list of 1,000+ values as a table of values, on the index's first column
      // only: a CSV chunk's 2,500 e-mails read every customer of the account.
      const rows = Array.from({ length: 4000 }, (_, i) =>
        thing(`big${i}`, { accountId: 'one-account', name: `big-${i}` }),
      );
      await db.transaction((tx) => things.insert(tx, rows, { onDuplicate: 'ignore' }));
      if (name === 'MariaDB') await db.dataSource.query('ANALYZE TABLE things');
      const keys = Array.from({ length: 1200 }, (_, i) => ['one-account', `big-${i * 3}`]);
      const { got, read } = await db.transaction(async (tx) => {
        const before = await handlerReads(tx);
        const found = await things.selectByKeys(tx, ['accountId', 'name'], keys, { lock: true });
        return { got: found, read: (await handlerReads(tx)) - before };
      });
      expect(got).toHaveLength(keys.length);
      expect(read).toBeLessThan(2 * keys.length); // the account's rows whole are 4,000
    });

    it('knows its dialect and column names', async () => {
      await db.transaction(async (tx) => {
        expect(dialectOf(tx)).toBe(name === 'MariaDB' ? 'mysql' : 'sqlite');
        expect(things.column(tx, 'accountId')).toBe('account_id');
      });
    });
  });
});

describe('indexForKeys', () => {
  const indexes = new Map([
    ['PRIMARY', ['id']],
    ['idx_wide', ['account_id', 'email', 'name', 'status']],
    ['idx_email', ['account_id', 'email']],
    ['idx_phone', ['account_id', 'phone']],
  ]);
  it('names the narrowest index whose leading columns are the key columns, in any order', () => {
    expect(indexForKeys(indexes, ['account_id', 'email'])).toBe('idx_email');
    expect(indexForKeys(indexes, ['phone', 'account_id'])).toBe('idx_phone');
    expect(indexForKeys(indexes, ['id'])).toBe('PRIMARY');
  });
  it('names none when no index starts with exactly those columns', () => {
    expect(indexForKeys(indexes, ['email'])).toBeUndefined();
    expect(indexForKeys(indexes, ['account_id', 'name'])).toBeUndefined();
    expect(indexForKeys(new Map(), ['id'])).toBeUndefined();
  });
});
