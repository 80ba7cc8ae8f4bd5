import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { signDevToken } from '@crp/platform/auth';
import { embeddedEnv, TEST_SECRET } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { createCsvImportService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { CustomerServiceDouble } from './customer-service-double';

export type CsvImportHandle = Awaited<ReturnType<typeof createCsvImportService>>;

/**
 * csv-import-service on the embedded stack (SQLite, in-process bus), with the customer-service
 * test double answering on the same bus, and an upload directory of its own.
 */
export async function startEmbedded(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'csv-import-'));
  const bus = new InProcessBus();
  const service = await createCsvImportService(
    loadConfig(embeddedEnv({ CSV_IMPORT_DIR: dir, CSV_IMPORT_POLL_MS: '20', ...env })),
    { bus, logger: testLogger('csv-import-service') },
  );
  const customers = new CustomerServiceDouble({ bus, logger: testLogger('customer-double') });
  await customers.start();
  await service.start();
  const tokens = new Map<string, string>();
  const token = async (accountId: string) => {
    if (!tokens.has(accountId))
      tokens.set(accountId, await signDevToken(TEST_SECRET, { accountId, sub: `user@${accountId}` }));
    return tokens.get(accountId)!;
  };
  return {
    service,
    customers,
    bus,
    dir,
    token,
    async upload(
      accountId: string,
      file: Buffer | string,
      fields: Record<string, string> = {},
      fileName = 'file.csv',
    ) {
      let r = request(service.app)
        .post('/v1/imports')
        .set('Authorization', `Bearer ${await token(accountId)}`);
      for (const [k, v] of Object.entries({ kind: 'customers', ...fields })) r = r.field(k, v);
      return r.attach('file', typeof file === 'string' ? Buffer.from(file) : file, fileName);
    },
    async get(accountId: string, path: string) {
      return request(service.app)
        .get(path)
        .set('Authorization', `Bearer ${await token(accountId)}`);
    },
    async post(accountId: string, path: string) {
      return request(service.app)
        .post(path)
        .set('Authorization', `Bearer ${await token(accountId)}`);
    },
    /** Polls the job until it ends (completed, failed, cancelled); returns its view. */
    async finished(accountId: string, jobId: string, timeoutMs = 20000) {
      return waitFor(
        async () => {
          const res = await request(service.app)
            .get(`/v1/imports/${jobId}`)
            .set('Authorization', `Bearer ${await token(accountId)}`);
          return ['completed', 'failed', 'cancelled'].includes(res.body.status) ? res.body : undefined;
        },
        { timeoutMs, intervalMs: 20, what: `import job ${jobId} to end` },
      );
    },
    async stop() {
      await service.stop();
      await customers.stop();
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type Embedded = Awaited<ReturnType<typeof startEmbedded>>;
