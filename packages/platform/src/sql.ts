import type { DataSource, EntityManager, EntityMetadata, EntitySchema, ObjectLiteral } from 'typeorm';

type ColumnMetadata = EntityMetadata['columns'][number];

/**
 * Multi-row reads and writes for the paths that carry volume (order batches, CSV rows, sync
 * pages). TypeORM keeps the schema: column names, types and value conversions come from the
 * entity's metadata and the driver's own `preparePersistentValue` / `prepareHydratedValue`, so a
 * row written here reads back through a repository exactly as if TypeORM had written it. Only
 * the statement is built here, once per batch, always with `?` parameters — never with values
 * spliced into the SQL.
 *
 * Why not `insert().orUpdate()`: it builds and re-parses an expression tree per call and cannot
 * express increments; raw mysql2 batches measured about 3× faster on this machine
 * (docs/performance.md).
 */

export type Dialect = 'mysql' | 'sqlite';

export function dialectOf(tx: EntityManager): Dialect {
  const type = tx.connection.options.type;
  return type === 'mysql' || type === 'mariadb' ? 'mysql' : 'sqlite';
}

/**
 * A datetime parameter as the driver stores it: mysql2 writes a Date in the connection's UTC;
 * SQLite keeps TypeORM datetimes as UTC text `YYYY-MM-DD HH:MM:SS.SSS`, which sorts as time.
 */
export function sqlStamp(on: EntityManager | Dialect, d: Date): Date | string {
  const dialect = typeof on === 'string' ? on : dialectOf(on);
  return dialect === 'mysql' ? d : d.toISOString().replace('T', ' ').replace('Z', '');
}

/** `(?, ?, ?)` and its values, for `col IN ${list.sql}`; never empty (an empty list matches nothing). */
export function inList(values: readonly unknown[]): { sql: string; params: unknown[] } {
  if (values.length === 0) return { sql: '(NULL)', params: [] };
  return { sql: `(${values.map(() => '?').join(', ')})`, params: [...values] };
}

// SQLite's default limit on bound parameters is 32,766 (MySQL's prepared statements: 65,535).
const MAX_PARAMS = 30000;
// MySQL writes go through prepared statements (binary protocol: values travel as they are, nothing
// is escaped into a long SQL text). Each distinct statement is prepared once per connection, so a
// batch is cut into chunks of these sizes only: a handful of shapes per table, whatever the batch.
// SQLite too: better-sqlite3 keeps prepared statements (TypeORM's statementCacheSize), and
// preparing a new 800-row INSERT for every batch cost more than running it (embedded bench).
const CHUNKS = [256, 64, 16, 4, 1];

/** Runs one statement: MySQL as a prepared statement on the transaction's connection, SQLite as usual. */
async function run(tx: EntityManager, sql: string, params: unknown[]): Promise<unknown> {
  const conn = (tx.queryRunner as unknown as { databaseConnection?: MysqlConnection } | undefined)
    ?.databaseConnection;
  if (dialectOf(tx) === 'mysql' && conn && typeof conn.execute === 'function') {
    return new Promise((resolve, reject) =>
      conn.execute(sql, params, (err: unknown, result: unknown) => (err ? reject(err) : resolve(result))),
    );
  }
  return tx.query(sql, params);
}

interface MysqlConnection {
  execute(sql: string, params: unknown[], cb: (err: unknown, result: unknown) => void): void;
}

/**
 * MariaDB turns an IN list of 1,000 values or more (`in_predicate_conversion_threshold`) into a
 * join with a table of those values, and joined it on the index's first column only: a CSV import
 * chunk's 2,500 e-mails of one account read every customer of the account (docs/performance.md).
 * Lists stay below it: `(col IN (…500) OR col IN (…))`.
 */
const MAX_IN_LIST = 500;

function inLists(column: string, values: readonly unknown[]): { sql: string; params: unknown[] } {
  if (values.length <= MAX_IN_LIST) {
    const list = inList(values);
    return { sql: `${column} IN ${list.sql}`, params: list.params };
  }
  const parts: string[] = [];
  for (let i = 0; i < values.length; i += MAX_IN_LIST) {
    parts.push(`${column} IN ${inList(values.slice(i, i + MAX_IN_LIST)).sql}`);
  }
  return { sql: `(${parts.join(' OR ')})`, params: [...values] };
}

/**
 * Many composite keys at once, grouped by their first column:
 * `(a = ? AND b IN (…) [AND c IN (…)]) OR (a = ? AND …)`. Both engines use the index whose leading
 * columns are the key for each group (a row-value `(a, b) IN ((…), …)` list of hundreds of keys
 * made MariaDB 10.11 scan the whole table). With three or more columns a group can match more
 * than the keys asked for: callers that need exact matches filter (BatchTable.selectByKeys does).
 */
export function keysIn(
  _dialect: Dialect,
  columns: string[],
  keys: ReadonlyArray<readonly unknown[]>,
): { sql: string; params: unknown[] } {
  if (keys.length === 0) return { sql: '1 = 0', params: [] };
  if (columns.length === 1) return inLists(columns[0]!, [...new Set(keys.map((k) => k[0]))]);
  const groups = new Map<unknown, Array<readonly unknown[]>>();
  for (const key of keys) {
    const list = groups.get(key[0]);
    if (list) list.push(key);
    else groups.set(key[0], [key]);
  }
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [first, list] of groups) {
    const conds = [`${columns[0]} = ?`];
    params.push(first);
    for (let c = 1; c < columns.length; c++) {
      const values = inLists(columns[c]!, [...new Set(list.map((k) => k[c]))]);
      conds.push(values.sql);
      params.push(...values.params);
    }
    parts.push(`(${conds.join(' AND ')})`);
  }
  return { sql: parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`, params };
}

/**
 * Runs a SELECT and returns its rows. Reads stay on the text protocol: their IN lists vary in
 * shape from batch to batch, which would prepare a new statement each time.
 */
export async function queryRows(
  tx: EntityManager,
  sql: string,
  params: unknown[],
): Promise<Array<Record<string, unknown>>> {
  return (await tx.query(sql, params)) as Array<Record<string, unknown>>;
}

/** A MySQL table's indexes (name → columns in order), read once per data source and table. */
const indexCache = new WeakMap<DataSource, Map<string, Promise<Map<string, string[]>>>>();

function indexesOf(tx: EntityManager, table: string): Promise<Map<string, string[]>> {
  let perSource = indexCache.get(tx.connection);
  if (!perSource) indexCache.set(tx.connection, (perSource = new Map()));
  let found = perSource.get(table);
  if (!found) {
    found = queryRows(
      tx,
      `SELECT INDEX_NAME AS name, COLUMN_NAME AS col FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
      [table],
    ).then((rows) => {
      const out = new Map<string, string[]>();
      for (const r of rows) {
        const name = String(r.name);
        out.set(name, [...(out.get(name) ?? []), String(r.col)]);
      }
      return out;
    });
    found.catch(() => perSource.delete(table));
    perSource.set(table, found);
  }
  return found;
}

/**
 * The index whose leading columns are exactly `columns` (in any order), the narrowest of them.
 * MariaDB's optimizer takes a many-key lookup (`(account_id = ? AND email IN (…)) OR …`, hundreds
 * of values) for a full table scan once the list passes `eq_range_index_dive_limit`: measured at
 * 50,000–150,000 customers, every batch's email and phone candidate lookup read the whole table
 * (docs/performance.md). An exact-key lookup always wants that index, so it is named.
 */
export function indexForKeys(indexes: Map<string, string[]>, columns: string[]): string | undefined {
  const want = new Set(columns);
  let best: { name: string; width: number } | undefined;
  for (const [name, cols] of indexes) {
    if (cols.length < want.size) continue;
    if (!cols.slice(0, want.size).every((c) => want.has(c))) continue;
    if (!best || cols.length < best.width) best = { name, width: cols.length };
  }
  return best?.name;
}

/** How many rows each statement of a batch of `n` takes. */
function chunkSizes(n: number, maxRows: number): number[] {
  const sizes: number[] = [];
  let left = n;
  for (const size of CHUNKS.filter((c) => c <= maxRows).concat(maxRows < 1 ? [1] : [])) {
    while (left >= size) {
      sizes.push(size);
      left -= size;
    }
  }
  return sizes;
}

export interface UpsertOptions<Row> {
  /**
   * On a duplicate key: `ignore` keeps the stored row; a list of properties overwrites those
   * columns with the incoming values. Omit for a plain INSERT (a duplicate is an error).
   */
  onDuplicate?: 'ignore' | { conflictKeys: Array<keyof Row & string>; update: Array<keyof Row & string> };
}

/** One table, as its entity describes it. Build once per table and keep it (metadata is looked up lazily). */
export class BatchTable<Row extends ObjectLiteral> {
  private meta?: { entity: EntityMetadata; columns: ColumnMetadata[]; table: string };

  constructor(readonly entity: EntitySchema<Row>) {}

  private metadata(tx: EntityManager) {
    if (!this.meta) {
      const entity = tx.connection.getMetadata(this.entity);
      this.meta = {
        entity,
        columns: entity.columns.filter((c) => !(c.isGenerated && c.generationStrategy === 'increment')),
        table: entity.tableName,
      };
    }
    return this.meta;
  }

  private quote(tx: EntityManager, name: string): string {
    return dialectOf(tx) === 'mysql' ? `\`${name}\`` : `"${name}"`;
  }

  /** The column name of a property, for hand-written WHERE clauses. */
  column(tx: EntityManager, property: keyof Row & string): string {
    const c = this.metadata(tx).entity.columns.find((col) => col.propertyName === property);
    if (!c) throw new Error(`${this.metadata(tx).table} has no property ${property}`);
    return c.databaseName;
  }

  /** INSERT many rows in as few statements as the parameter limits allow. */
  async insert(tx: EntityManager, rows: readonly Row[], opts: UpsertOptions<Row> = {}): Promise<void> {
    if (rows.length === 0) return;
    const { columns, table } = this.metadata(tx);
    const driver = tx.connection.driver;
    const dialect = dialectOf(tx);
    const q = (n: string) => this.quote(tx, n);
    const colList = columns.map((c) => q(c.databaseName)).join(', ');
    const rowPlaceholder = `(${columns.map(() => '?').join(', ')})`;
    let tail = '';
    const od = opts.onDuplicate;
    if (od === 'ignore') {
      // Not MySQL's INSERT IGNORE: that also turns truncation and range errors into warnings.
      const first = q(columns[0]!.databaseName);
      tail = dialect === 'mysql' ? ` ON DUPLICATE KEY UPDATE ${first} = ${first}` : ' ON CONFLICT DO NOTHING';
    } else if (od) {
      const set = od.update.map((p) => q(this.column(tx, p)));
      if (dialect === 'mysql') {
        tail = ` ON DUPLICATE KEY UPDATE ${set.map((c) => `${c} = VALUES(${c})`).join(', ')}`;
      } else {
        const keys = od.conflictKeys.map((p) => q(this.column(tx, p))).join(', ');
        tail = ` ON CONFLICT (${keys}) DO UPDATE SET ${set.map((c) => `${c} = excluded.${c}`).join(', ')}`;
      }
    }
    const maxRows = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
    let at = 0;
    for (const size of chunkSizes(rows.length, maxRows)) {
      const chunk = rows.slice(at, at + size);
      at += size;
      const params: unknown[] = [];
      for (const row of chunk) {
        for (const c of columns) {
          const v = driver.preparePersistentValue(c.getEntityValue(row), c);
          params.push(v === undefined ? null : v);
        }
      }
      const sql = `INSERT INTO ${q(table)} (${colList}) VALUES ${chunk.map(() => rowPlaceholder).join(', ')}${tail}`;
      await run(tx, sql, params);
    }
  }

  /**
   * SELECT every column of the rows matching `where` (column names as in the database; `?`
   * parameters), hydrated into entity objects the way a repository would.
   */
  async select(
    tx: EntityManager,
    where: string,
    params: unknown[],
    suffix = '',
    opts: { index?: string } = {},
  ): Promise<Row[]> {
    const { entity, table } = this.metadata(tx);
    const q = (n: string) => this.quote(tx, n);
    const cols = entity.columns.map((c) => q(c.databaseName)).join(', ');
    const hint = opts.index && dialectOf(tx) === 'mysql' ? ` FORCE INDEX (${q(opts.index)})` : '';
    const raw = await queryRows(
      tx,
      `SELECT ${cols} FROM ${q(table)}${hint} WHERE ${where}${suffix ? ` ${suffix}` : ''}`,
      params,
    );
    return raw.map((r) => this.hydrate(tx, r));
  }

  /**
   * The rows whose `columns` (properties) equal one of `keys`, e.g. every (account, email) of a
   * batch: one statement, exact matches. `where` adds a condition; `lock` reads FOR UPDATE on MySQL.
   */
  async selectByKeys(
    tx: EntityManager,
    columns: Array<keyof Row & string>,
    keys: ReadonlyArray<readonly unknown[]>,
    opts: { where?: string; params?: unknown[]; lock?: boolean; suffix?: string } = {},
  ): Promise<Row[]> {
    if (keys.length === 0) return [];
    const dialect = dialectOf(tx);
    const unique = dedupe(keys);
    const names = columns.map((c) => this.column(tx, c));
    const match = keysIn(dialect, names, unique);
    const where = opts.where ? `${opts.where} AND ${match.sql}` : match.sql;
    const suffix = [opts.suffix ?? '', opts.lock && dialect === 'mysql' ? 'FOR UPDATE' : '']
      .filter(Boolean)
      .join(' ');
    const index =
      dialect === 'mysql' ? indexForKeys(await indexesOf(tx, this.metadata(tx).table), names) : undefined;
    const rows = await this.select(tx, where, [...(opts.params ?? []), ...match.params], suffix, { index });
    if (columns.length < 3) return rows;
    const wanted = new Set(unique.map((k) => JSON.stringify(k)));
    return rows.filter((r) => wanted.has(JSON.stringify(columns.map((c) => r[c]))));
  }

  /** A raw row (database column names) → the entity object. */
  hydrate(tx: EntityManager, raw: Record<string, unknown>): Row {
    const { entity } = this.metadata(tx);
    const driver = tx.connection.driver;
    const row: Record<string, unknown> = {};
    for (const c of entity.columns) {
      row[c.propertyName] = driver.prepareHydratedValue(raw[c.databaseName], c);
    }
    return row as Row;
  }
}

function dedupe(keys: ReadonlyArray<readonly unknown[]>): Array<readonly unknown[]> {
  const seen = new Map<string, readonly unknown[]>();
  for (const k of keys) seen.set(JSON.stringify(k), k);
  return [...seen.values()];
}
