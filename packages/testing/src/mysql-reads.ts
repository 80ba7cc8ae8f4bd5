/** One table access of a statement as MariaDB ran it: the index it read and how many rows it read. */
export interface TableRead {
  table: string;
  access: string;
  key: string | null;
  /** Rows read from the table or index (ANALYZE's r_rows × r_loops), before the WHERE filters them. */
  rows: number;
}

/**
 * Runs `sql` under MariaDB's `ANALYZE FORMAT=JSON` and lists what each table access read: for tests
 * that a statement reads about what it returns, not every row around it (a plan alone says which
 * index, not how far it was read). MariaDB only; the statement runs.
 */
export async function analyzeReads(
  db: { query(sql: string, params?: unknown[]): Promise<unknown> },
  sql: string,
  params: unknown[] = [],
): Promise<TableRead[]> {
  const [row] = (await db.query(`ANALYZE FORMAT=JSON ${sql}`, params)) as Array<Record<string, string>>;
  const reads: TableRead[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (typeof o.table_name === 'string' && typeof o.r_rows === 'number') {
      reads.push({
        table: o.table_name,
        access: String(o.access_type),
        key: typeof o.key === 'string' ? o.key : null,
        rows: Math.round(o.r_rows * Number(o.r_loops ?? 1)),
      });
    }
    Object.values(o).forEach(walk);
  };
  walk(JSON.parse(Object.values(row ?? {})[0] ?? '{}'));
  return reads;
}

/** One row of MariaDB's EXPLAIN. */
export interface PlanRow {
  select_type?: string;
  table: string;
  type: string;
  key: string | null;
  Extra: string | null;
}

interface PlannedRunner {
  query(sql: string, params?: unknown[], ...rest: unknown[]): Promise<unknown>;
}

/** A statement a transaction ran, with its parameters. */
export interface SentStatement {
  sql: string;
  params: unknown[];
}

/**
 * Every statement `fn` runs on a transaction's connection, in order, with its parameters (MariaDB
 * or SQLite): TypeORM's builders and `tx.query` all pass through the transaction's query runner,
 * watched here while `fn` runs and left as it was after.
 */
export async function statementsOf(
  tx: { queryRunner?: unknown },
  fn: () => Promise<unknown>,
): Promise<SentStatement[]> {
  const runner = tx.queryRunner as PlannedRunner | undefined;
  if (!runner) throw new Error('statementsOf needs a transaction (its EntityManager has a query runner)');
  const query = runner.query;
  const sent: SentStatement[] = [];
  runner.query = (sql, params, ...rest) => {
    sent.push({ sql, params: params ?? [] });
    return query.call(runner, sql, params, ...rest);
  };
  try {
    await fn();
  } finally {
    runner.query = query;
  }
  return sent;
}

/**
 * The statements `fn` runs on a transaction's connection that match `which`, each with MariaDB's
 * EXPLAIN of it: for tests that a read uses the index it should (statementsOf, then EXPLAIN).
 */
export async function plansOf(
  tx: { queryRunner?: unknown; query(sql: string, params?: unknown[]): Promise<unknown> },
  fn: () => Promise<unknown>,
  which: RegExp,
): Promise<PlanRow[][]> {
  const statements = await statementsOf(tx, fn);
  const plans: PlanRow[][] = [];
  for (const s of statements.filter((st) => which.test(st.sql)))
    plans.push((await tx.query(`EXPLAIN ${s.sql}`, s.params)) as PlanRow[]);
  return plans;
}
