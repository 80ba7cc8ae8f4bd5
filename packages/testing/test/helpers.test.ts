import { existsSync } from 'node:fs';
import { fixturePath, readFixtureJson } from '../src/fixtures';
import { mysqlUrl, uniqueName } from '../src/real-infra';
import { waitFor } from '../src/wait';

describe('test helpers', () => {
  it('waitFor returns the first truthy value and reports the last error on timeout', async () => {
    let n = 0;
    await expect(waitFor(() => (++n >= 3 ? n : undefined), { intervalMs: 1 })).resolves.toBe(3);
    await expect(
      waitFor(
        () => {
          throw new Error('still broken');
        },
        { timeoutMs: 30, intervalMs: 5, what: 'the thing' },
      ),
    ).rejects.toThrow(/waiting for the thing: still broken/);
  });

  it('uniqueName never repeats and stays a valid MySQL identifier', () => {
    const names = new Set(Array.from({ length: 200 }, () => uniqueName('t_x')));
    expect(names.size).toBe(200);
    for (const n of names) expect(n).toMatch(/^[A-Za-z0-9_]{1,64}$/);
  });

  it('mysqlUrl joins the server URL and a database name', () => {
    const before = process.env.MYSQL_URL;
    process.env.MYSQL_URL = 'mysql://root@127.0.0.1:3306/';
    expect(mysqlUrl('t_db')).toBe('mysql://root@127.0.0.1:3306/t_db');
    process.env.MYSQL_URL = before;
  });

  it('finds the channel fixtures inside the repository', () => {
    expect(existsSync(fixturePath('shipstation', 'orders-list-response.json'))).toBe(true);
    expect(
      readFixtureJson<{ orders: unknown[] }>('shipstation', 'orders-list-response.json').orders.length,
    ).toBeGreaterThan(0);
  });
});
