import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDevToken } from '@crp/platform/auth';
import { createOrderIngestService } from '@crp/order-ingest-service/composition-root';
import { loadConfig as orderConfig } from '@crp/order-ingest-service/config';
import { createTplConnectionService } from '@crp/tpl-connection-service/composition-root';
import { loadConfig as tplConfig } from '@crp/tpl-connection-service/config';
import { freshMysqlDatabase, kafkaBrokers, uniqueName } from '@crp/testing/real-infra';
import { testLogger } from '@crp/testing/silent-logger';
import { SECRET } from './system';

/**
 * tpl-connection-service + order-ingest-service on real infrastructure: a fresh MariaDB database
 * each, one random topic prefix, and a folder for the invitation e-mails (no SMTP: .eml files).
 */
export async function startTplSystem(name: string) {
  const tplDb = await freshMysqlDatabase(`${name}_tpl`);
  const ordDb = await freshMysqlDatabase(`${name}_ord`);
  const prefix = `${uniqueName(name)}.`;
  const mailDir = mkdtempSync(join(tmpdir(), 'e2e-mail-'));
  const env = (url: string) => ({
    DATABASE_URL: url,
    BUS: 'kafka',
    KAFKA_BROKERS: kafkaBrokers().join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    AUTH_JWT_SECRET: SECRET,
    OUTBOX_POLL_MS: '50',
    LOG_LEVEL: 'silent',
    MAIL_DIR: mailDir,
    INVITATION_LINK_URL: 'https://app.example/settings/logistics-providers/review',
  });
  const tpl = await createTplConnectionService(tplConfig(env(tplDb.url)), {
    logger: testLogger('tpl-connection-service'),
  });
  const orders = await createOrderIngestService(orderConfig(env(ordDb.url)), {
    logger: testLogger('order-ingest-service'),
  });
  await tpl.start();
  await orders.start();
  return {
    tpl,
    orders,
    mailDir,
    /** A bearer header; admins carry the verified email the accounts directory learns from. */
    auth: async (accountId: string, role: 'admin' | 'member' = 'admin') =>
      `Bearer ${await signDevToken(SECRET, {
        accountId,
        role,
        sub: `${role}@${accountId}`,
        email: `${role === 'admin' ? 'admin' : 'staff'}@${accountId}.example`,
      })}`,
    /** The .eml files written so far, decoded enough to read links (quoted-printable undone). */
    mails: () =>
      readdirSync(mailDir)
        .filter((f) => f.endsWith('.eml'))
        .sort()
        .map((f) => ({
          file: join(mailDir, f),
          raw: readFileSync(join(mailDir, f), 'utf8')
            .replace(/=\r?\n/g, '')
            .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
        })),
    async stop() {
      await orders.stop();
      await tpl.stop();
      await tplDb.drop();
      await ordDb.drop();
      rmSync(mailDir, { recursive: true, force: true });
    },
  };
}

export type TplSystem = Awaited<ReturnType<typeof startTplSystem>>;
