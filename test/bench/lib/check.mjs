// Checks what customer-service ended with against the generator's expectation: per account the
// number of customers, identities and history rows, each customer's order count equal to its
// history rows, and every identity linked. A mismatch fails the run loudly.

export async function countRows(conn, table, where = '1 = 1') {
  const [rows] = await conn.query(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`);
  return Number(rows[0].n);
}

/** `conn` is a mysql2 promise connection, or an adapter with the same `query` (SQLite). */
export async function checkCustomers(conn, expected) {
  const problems = [];
  const by = async (sql) => {
    const [rows] = await conn.query(sql);
    return new Map(rows.map((r) => [r.account_id, Number(r.n)]));
  };
  const customers = await by(
    "SELECT account_id, COUNT(*) AS n FROM customers WHERE status = 'active' GROUP BY account_id",
  );
  const identities = await by(
    'SELECT account_id, COUNT(*) AS n FROM customer_identities GROUP BY account_id',
  );
  const orders = await by('SELECT account_id, COUNT(*) AS n FROM customer_orders GROUP BY account_id');
  const counted = await by('SELECT account_id, SUM(order_count) AS n FROM customers GROUP BY account_id');
  for (const [account, e] of Object.entries(expected)) {
    const got = {
      customers: customers.get(account) ?? 0,
      identities: identities.get(account) ?? 0,
      orders: orders.get(account) ?? 0,
    };
    for (const k of ['customers', 'identities', 'orders']) {
      if (got[k] !== e[k]) problems.push(`${account}: ${k} ${got[k]} (expected ${e[k]})`);
    }
    if ((counted.get(account) ?? 0) !== e.orders)
      problems.push(`${account}: sum of order counts ${counted.get(account) ?? 0} (expected ${e.orders})`);
  }
  const [mismatched] = await conn.query(
    `SELECT COUNT(*) AS n FROM customers c WHERE c.order_count <>
       (SELECT COUNT(*) FROM customer_orders o WHERE o.account_id = c.account_id AND o.customer_id = c.id)`,
  );
  if (Number(mismatched[0].n) > 0)
    problems.push(`${mismatched[0].n} customers whose order count differs from their history`);
  const [unlinked] = await conn.query(
    'SELECT COUNT(*) AS n FROM customer_identities WHERE customer_id IS NULL',
  );
  if (Number(unlinked[0].n) > 0) problems.push(`${unlinked[0].n} identities without a customer`);
  return { ok: problems.length === 0, problems: problems.slice(0, 20) };
}
