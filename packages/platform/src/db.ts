import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  DataSource,
  type DataSourceOptions,
  type QueryRunner,
  type EntityManager,
  type EntitySchema,
  type MixedList,
} from 'typeorm';

export type { EntityManager };

export type DbKind = 'mysql' | 'sqlite';

export interface DatabaseOptions {
  url: string;
  entities: MixedList<EntitySchema | (new () => unknown)>;
  // TypeORM migration classes; run in order of their timestamped names.
  migrations: MixedList<new () => unknown>;
  /** Run pending migrations when opening (services do at start; `npm run migrate` does it alone). */
  migrate?: boolean;
  /** For MySQL: create the database if it does not exist (local runs and tests). */
  createDatabase?: boolean;
  poolSize?: number;
}

/**
 * The only way services touch their database: a TypeORM DataSource plus a transaction runner.
 * `transaction()` is the unit of work: state changes, outbox rows and inbox marks share it.
 */
/**
 * `readCommitted`: MySQL takes no gap locks for this transaction's locking reads (SELECT … FOR
 * UPDATE locks the rows found, not the ranges between them), so transactions of different
 * accounts never block each other's inserts. SQLite runs one transaction at a time anyway.
 */
export interface TransactionOptions {
  readCommitted?: boolean;
  /**
   * Run the whole transaction again (up to this many times, with a short backoff) when it fails on
   * a deadlock or a lock wait timeout: only for callbacks whose effects are all inside `tx`.
   */
  retryOnLockConflict?: number;
}

export interface Database {
  readonly kind: DbKind;
  readonly dataSource: DataSource;
  transaction<T>(fn: (tx: EntityManager) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const inTransaction = new AsyncLocalStorage<boolean>();
const afterCommitHooks = new WeakMap<EntityManager, Array<() => void>>();

/** Runs `fn` once the transaction that `tx` belongs to has committed (never on rollback). */
export function afterCommit(tx: EntityManager, fn: () => void): void {
  const hooks = afterCommitHooks.get(tx);
  if (!hooks) throw new Error('afterCommit() needs an EntityManager from Database.transaction()');
  hooks.push(fn);
}

export function parseDatabaseUrl(url: string): { kind: DbKind; location: string; database?: string } {
  if (url.startsWith('sqlite:')) {
    const location = url.slice('sqlite:'.length);
    return { kind: 'sqlite', location: location === ':memory:' || location === '' ? ':memory:' : location };
  }
  const u = new URL(url);
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:')
    throw new Error(`unsupported DATABASE_URL ${url}`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) throw new Error(`DATABASE_URL needs a database name: ${url}`);
  return { kind: 'mysql', location: url, database };
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const parsed = parseDatabaseUrl(opts.url);
  let options: DataSourceOptions;
  if (parsed.kind === 'mysql') {
    if (opts.createDatabase) await createMysqlDatabase(opts.url);
    const u = new URL(opts.url.replace(/^mariadb:/, 'mysql:'));
    options = {
      type: 'mysql',
      url: u.toString(),
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: false,
      // mysql2 otherwise captures a stack trace on every text-protocol query (TypeORM queries go
      // through its promise wrapper), in case it fails: 1.3 % of customer-service's CPU on the
      // ingest path (docs/performance.md). A failed query still throws TypeORM's
      // QueryFailedError with the statement, its code and the awaiting callers' async stack.
      trace: false,
      poolSize: opts.poolSize ?? 10,
      entities: opts.entities,
      migrations: opts.migrations,
      migrationsTransactionMode: 'each',
      synchronize: false,
      logging: false,
    };
  } else {
    const file = parsed.location === ':memory:' ? ':memory:' : resolve(parsed.location);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    options = {
      // better-sqlite3 writes each commit into the file incrementally (WAL), so a growing
      // database stays as fast as an empty one (ADR 0007).
      type: 'better-sqlite3',
      database: file,
      enableWAL: file !== ':memory:',
      statementCacheSize: 500,
      prepareDatabase: (raw: { pragma(sql: string): unknown }) => {
        // NORMAL is durable across application crashes in WAL mode; only a power loss can take
        // the last commits. The embedded default is for one machine, not for production data.
        raw.pragma('synchronous = NORMAL');
        raw.pragma('busy_timeout = 5000');
        raw.pragma('cache_size = -65536');
      },
      entities: opts.entities,
      migrations: opts.migrations,
      migrationsTransactionMode: 'each',
      synchronize: false,
      logging: false,
    };
  }
  const dataSource = new DataSource(options);
  await dataSource.initialize();
  if (opts.migrate !== false) await dataSource.runMigrations();
  return wrap(parsed.kind, dataSource);
}

function wrap(kind: DbKind, dataSource: DataSource): Database {
  // SQLite is one connection: two interleaved transactions would share it, so the embedded
  // default runs them one at a time. MySQL has a pool and real isolation.
  let queue: Promise<unknown> = Promise.resolve();
  const serialize = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  const transaction = async <T>(
    fn: (tx: EntityManager) => Promise<T>,
    opts?: TransactionOptions,
  ): Promise<T> => {
    let hooks: Array<() => void> = [];
    const body = async (tx: EntityManager) => {
      hooks = [];
      afterCommitHooks.set(tx, hooks);
      return fn(tx);
    };
    const result = await inTransaction.run(true, () =>
      kind === 'mysql' && opts?.readCommitted
        ? dataSource.transaction('READ COMMITTED', body)
        : dataSource.transaction(body),
    );
    // The data is committed: a failing hook must not make the caller think otherwise.
    for (const hook of hooks) {
      try {
        hook();
      } catch (err) {
        process.emitWarning(`afterCommit hook failed: ${(err as Error).message}`);
      }
    }
    return result;
  };
  return {
    kind,
    dataSource,
    transaction: (fn, opts) => {
      if (inTransaction.getStore()) {
        // On SQLite the inner call would wait for the outer one forever; on MySQL it would commit
        // separately. Either way it is a bug: pass `tx` down instead.
        return Promise.reject(
          new Error('nested Database.transaction(): pass the outer transaction manager instead'),
        );
      }
      if (kind === 'sqlite') return serialize(() => transaction(fn));
      const attempt = async <T>(n: number): Promise<T> => {
        try {
          return (await transaction(fn, opts)) as T;
        } catch (err) {
          if (n >= (opts?.retryOnLockConflict ?? 0) || !isLockConflict(err)) throw err;
          await new Promise((r) => setTimeout(r, 10 * 2 ** n + Math.random() * 10));
          return attempt<T>(n + 1);
        }
      };
      return attempt(0);
    },
    async ping() {
      await dataSource.query('SELECT 1');
    },
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

/** For migrations that must differ per engine (few do: the Table API hides most differences). */
export function isMysql(q: QueryRunner): boolean {
  return q.connection.driver.options.type === 'mysql' || q.connection.driver.options.type === 'mariadb';
}

/** Runs one statement about `url`'s database on a connection to the server (no default database). */
async function onServer(
  url: string,
  work: (ds: DataSource, database: string) => Promise<unknown>,
): Promise<void> {
  const { database } = parseDatabaseUrl(url);
  const server = new URL(url.replace(/^mariadb:/, 'mysql:'));
  server.pathname = '/';
  const ds = new DataSource({ type: 'mysql', url: server.toString(), logging: false });
  await ds.initialize();
  try {
    await work(ds, database!);
  } finally {
    await ds.destroy();
  }
}

/** CREATE DATABASE IF NOT EXISTS (utf8mb4). */
export function createMysqlDatabase(url: string): Promise<void> {
  return onServer(url, (ds, db) =>
    ds.query(`CREATE DATABASE IF NOT EXISTS \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`),
  );
}

export function dropMysqlDatabase(url: string): Promise<void> {
  return onServer(url, async (ds, database) => {
    // A session left inside a transaction on this database (a process killed behind a proxy that
    // kept its upstream socket, a test that did not close its connection) holds metadata locks:
    // DROP DATABASE would wait for it for lock_wait_timeout (a day by default), and every
    // INFORMATION_SCHEMA read of the server (each service's migrations) would queue behind the
    // DROP. End those sessions first, and never wait more than a minute.
    const sessions: Array<{ id: number | string }> = await ds.query(
      'SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()',
      [database],
    );
    for (const { id } of sessions) await ds.query(`KILL ${Number(id)}`).catch(() => undefined);
    await ds.query('SET SESSION lock_wait_timeout = 60');
    await ds.query(`DROP DATABASE IF EXISTS \`${database}\``);
  });
}

/** Duplicate-key violations look different per driver; callers only need to know it was one. */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string; driverError?: { code?: string } };
  const code = e?.code ?? e?.driverError?.code;
  return (
    code === 'ER_DUP_ENTRY' ||
    e?.errno === 1062 ||
    /UNIQUE constraint failed|SQLITE_CONSTRAINT/i.test(String(e?.message ?? ''))
  );
}

/** A deadlock or lock wait timeout: the same transaction, run again, will most likely succeed. */
export function isLockConflict(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; driverError?: { code?: string; errno?: number } };
  const code = e?.code ?? e?.driverError?.code;
  const errno = e?.errno ?? e?.driverError?.errno;
  return (
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_LOCK_WAIT_TIMEOUT' ||
    code === 'SQLITE_BUSY' ||
    errno === 1213 ||
    errno === 1205
  );
}

/**
 * A read transaction left open while its caller reads page after page (a long export): every read
 * through `tx` sees the database as it was when it opened, and nothing it reads is locked.
 * MySQL/MariaDB: its own pooled connection, `REPEATABLE READ` and `START TRANSACTION WITH
 * CONSISTENT SNAPSHOT, READ ONLY` (InnoDB's MVCC snapshot; writers are never blocked by it).
 * SQLite: an ordinary `transaction()` held open, which the single connection serialises with every
 * other — consistent, but the service's other transactions wait for it; `writable` says that a
 * write meant to commit with it must then go through `tx` (a second transaction would wait forever).
 * `close()` ends it — a commit, or with `rollback` (SQLite: what `tx` wrote is undone) — and must
 * be called, whatever happens; a second call does nothing.
 */
export interface ReadSnapshot {
  readonly tx: EntityManager;
  /** True on SQLite: the snapshot is the only transaction, and writes through `tx` commit at close. */
  readonly writable: boolean;
  close(rollback?: boolean): Promise<void>;
}

class SnapshotRolledBack extends Error {}

export async function openReadSnapshot(db: Database): Promise<ReadSnapshot> {
  if (db.kind === 'mysql') {
    const runner = db.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await runner.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    } catch (err) {
      await runner.release();
      throw err;
    }
    let closing: Promise<void> | null = null;
    return {
      tx: runner.manager,
      writable: false,
      close: (rollback) =>
        (closing ??= (async () => {
          try {
            await runner.query(rollback ? 'ROLLBACK' : 'COMMIT');
          } finally {
            await runner.release();
          }
        })()),
    };
  }
  let end!: (rollback: boolean) => void;
  const ended = new Promise<boolean>((resolve) => (end = resolve));
  let opened!: (tx: EntityManager) => void;
  const ready = new Promise<EntityManager>((resolve) => (opened = resolve));
  const done = db
    .transaction(async (tx) => {
      opened(tx);
      if (await ended) throw new SnapshotRolledBack();
    })
    .catch((err: unknown) => {
      if (!(err instanceof SnapshotRolledBack)) throw err;
    });
  const early = done.then(() => {
    throw new Error('openReadSnapshot: the transaction ended before it opened');
  });
  early.catch(() => undefined); // once it opened, the race is decided: only close() awaits `done`
  const tx = await Promise.race([ready, early]);
  return {
    tx,
    writable: true,
    close: (rollback) => {
      end(rollback === true);
      return done;
    },
  };
}
