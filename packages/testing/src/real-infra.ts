import { randomBytes } from 'node:crypto';
import { createMysqlDatabase, dropMysqlDatabase } from '@crp/platform/db';

/**
 * Real-infrastructure suites use `describeReal`: they run when the jest global setup
 * (@crp/tooling/real-infra) brought MariaDB and Kafka up, and are skipped loudly otherwise.
 * With CI=true the global setup fails instead, so in CI they always run.
 */
export const realInfraStatus = (): string =>
  process.env.REAL_INFRA_STATUS ?? 'unknown: not run under the real-infra preset';
export const realInfraUp = (): boolean => realInfraStatus() === 'up';

export const describeReal: jest.Describe = ((name: string, fn: () => void) => {
  if (realInfraUp()) return describe(name, fn);
  return describe.skip(`${name} [SKIPPED: ${realInfraStatus()}]`, fn);
}) as jest.Describe;

export function kafkaBrokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

/** Random per run so parallel runs and reruns never share topics, groups or databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function mysqlUrl(database: string): string {
  const base = (process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/+$/, '');
  return `${base}/${database}`;
}

/** A fresh database for one suite; `drop()` in afterAll. */
export async function freshMysqlDatabase(
  prefix: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = mysqlUrl(uniqueName(`t_${prefix}`).slice(0, 64));
  await createMysqlDatabase(url);
  return { url, drop: () => dropMysqlDatabase(url) };
}
