import type { EntityManager, EntityMetadata, EntitySchema, ObjectLiteral } from 'typeorm';

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

/** `(?, ?, ?)` and its values, for `col IN ${list.sql}`; never empty (an empty list matches nothing). */
export function inList(values: readonly unknown[]): { sql: string; params: unknown[] } {
  if (values.length === 0) return { sql: '(NULL)', params: [] };
  return { sql: `(${values.map(() => '?').join(', ')})`, params: [...values] };
}

// SQLite's default limit on bound parameters is 32,766; stay under it, and keep MySQL packets small.
const MAX_PARAMS = 30000;
const MAX_ROWS = 1000;

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
    const perStatement = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / columns.length)));
    for (let i = 0; i < rows.length; i += perStatement) {
      const chunk = rows.slice(i, i + perStatement);
      const params: unknown[] = [];
      for (const row of chunk) {
        for (const c of columns) params.push(driver.preparePersistentValue(c.getEntityValue(row), c));
      }
      const sql = `INSERT INTO ${q(table)} (${colList}) VALUES ${chunk.map(() => rowPlaceholder).join(', ')}${tail}`;
      await tx.query(sql, params);
    }
  }

  /**
   * SELECT every column of the rows matching `where` (column names as in the database; `?`
   * parameters), hydrated into entity objects the way a repository would.
   */
  async select(tx: EntityManager, where: string, params: unknown[], suffix = ''): Promise<Row[]> {
    const { entity, table } = this.metadata(tx);
    const q = (n: string) => this.quote(tx, n);
    const cols = entity.columns.map((c) => q(c.databaseName)).join(', ');
    const raw: Array<Record<string, unknown>> = await tx.query(
      `SELECT ${cols} FROM ${q(table)} WHERE ${where}${suffix ? ` ${suffix}` : ''}`,
      params,
    );
    return raw.map((r) => this.hydrate(tx, r));
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
