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
