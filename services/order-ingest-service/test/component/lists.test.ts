import request from 'supertest';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { createOrderIngestService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { listScenarios } from '../support/list-scenarios';
import type { OrderIngestService } from '../support/stored-orders';

describe('order and delegation lists at volume (SQLite)', () => {
  let bus: InProcessBus;
  let svc: OrderIngestService;

  beforeAll(async () => {
    bus = new InProcessBus();
    svc = await createOrderIngestService(loadConfig(embeddedEnv()), { bus, logger: testLogger() });
    await svc.start();
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
  });

  listScenarios(() => svc);

  it('OpenAPI documents the list of orders with total and totalRelation (eq, gte)', async () => {
    const doc = (await request(svc.app).get('/openapi.json')).body as {
      paths: Record<
        string,
        { get: { responses: Record<string, { content?: Record<string, { schema: unknown }> }> } }
      >;
    };
    const schema = doc.paths['/v1/orders']!.get.responses['200']!.content!['application/json']!.schema as {
      properties: Record<string, { anyOf?: Array<{ const: string }> }>;
      required: string[];
    };
    expect(schema.required).toEqual(
      expect.arrayContaining(['orders', 'total', 'totalRelation', 'nextCursor']),
    );
    expect(schema.properties.totalRelation!.anyOf!.map((s) => s.const)).toEqual(['eq', 'gte']);
  });
});
