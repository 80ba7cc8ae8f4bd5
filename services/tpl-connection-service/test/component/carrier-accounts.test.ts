import request from 'supertest';
import type { CarrierAccountChangedV1 } from '@crp/contracts/events/carrier-account-changed';
import { InProcessBus } from '@crp/messaging/in-process-bus';
import { embeddedEnv } from '@crp/testing/service-env';
import { testLogger } from '@crp/testing/silent-logger';
import { waitFor } from '@crp/testing/wait';
import { createTplConnectionService } from '../../src/composition-root';
import { loadConfig } from '../../src/config';
import { auth, eventsOn, tempMailDir } from '../support/fixtures';

describe('carrier accounts (R5.5)', () => {
  let bus: InProcessBus;
  let svc: Awaited<ReturnType<typeof createTplConnectionService>>;
  const published = async (carrierAccountId: string, count: number) =>
    waitFor(() => {
      const evs = eventsOn<CarrierAccountChangedV1>(bus, 'CarrierAccountChanged').filter(
        (e) => e.payload.carrierAccountId === carrierAccountId,
      );
      return evs.length >= count ? evs : undefined;
    });

  beforeAll(async () => {
    bus = new InProcessBus();
    svc = await createTplConnectionService(loadConfig(embeddedEnv({ MAIL_DIR: tempMailDir() })), {
      bus,
      logger: testLogger(),
    });
    await svc.start();
  });
  afterAll(async () => {
    await svc?.stop();
    await bus?.close();
  });

  it('R5.5: a client registers a carrier account and its services; CarrierAccountChanged carries them', async () => {
    const res = await request(svc.app)
      .post('/v1/carrier-accounts')
      .set('Authorization', await auth('acme'))
      .send({ carrierCode: 'UPS', services: ['ups_ground', 'UPS_Ground', 'ups_next_day_air'] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      carrierCode: 'ups',
      services: ['ups_ground', 'ups_next_day_air'],
      sharedWithProviders: true,
      version: 1,
    });
    const [ev] = await published(res.body.carrierAccountId, 1);
    expect(ev!.accountId).toBe('acme');
    expect(ev!.payload).toEqual({
      carrierAccountId: res.body.carrierAccountId,
      carrierCode: 'ups',
      services: ['ups_ground', 'ups_next_day_air'],
      sharedWithProviders: true,
      status: 'active',
      version: 1,
    });
    const list = await request(svc.app)
      .get('/v1/carrier-accounts')
      .set('Authorization', await auth('acme', 'member'));
    expect(list.body.carrierAccounts).toEqual([
      expect.objectContaining({ carrierAccountId: res.body.carrierAccountId }),
    ]);
  });

  it('R5.5: changing services or sharing publishes a new version; removing publishes "removed"', async () => {
    const id = (
      await request(svc.app)
        .post('/v1/carrier-accounts')
        .set('Authorization', await auth('globex'))
        .send({ carrierCode: 'fedex', services: ['fedex_ground'] })
    ).body.carrierAccountId;
    const patched = await request(svc.app)
      .patch(`/v1/carrier-accounts/${id}`)
      .set('Authorization', await auth('globex'))
      .send({ services: ['fedex_ground', 'fedex_2day'], sharedWithProviders: false });
    expect(patched.body).toMatchObject({
      services: ['fedex_ground', 'fedex_2day'],
      sharedWithProviders: false,
      version: 2,
    });
    await request(svc.app)
      .delete(`/v1/carrier-accounts/${id}`)
      .set('Authorization', await auth('globex'))
      .expect(204);
    const evs = await published(id, 3);
    expect(evs.map((e) => [e.payload.status, e.payload.version, e.payload.services])).toEqual([
      ['active', 1, ['fedex_ground']],
      ['active', 2, ['fedex_ground', 'fedex_2day']],
      ['removed', 3, []],
    ]);
  });

  it("another account's carrier account is 404; a member cannot write (403); bad codes are 400", async () => {
    const id = (
      await request(svc.app)
        .post('/v1/carrier-accounts')
        .set('Authorization', await auth('initech'))
        .send({ carrierCode: 'usps', services: ['usps_priority_mail'] })
    ).body.carrierAccountId;
    await request(svc.app)
      .patch(`/v1/carrier-accounts/${id}`)
      .set('Authorization', await auth('acme'))
      .send({ services: ['x'] })
      .expect(404);
    await request(svc.app)
      .delete(`/v1/carrier-accounts/${id}`)
      .set('Authorization', await auth('acme'))
      .expect(404);
    await request(svc.app)
      .post('/v1/carrier-accounts')
      .set('Authorization', await auth('initech', 'member'))
      .send({ carrierCode: 'usps', services: ['usps_first_class'] })
      .expect(403);
    for (const body of [
      { carrierCode: 'ups ground', services: ['a'] },
      { carrierCode: 'ups', services: [] },
      { carrierCode: 'ups', services: ['x'.repeat(65)] },
      { carrierCode: 'ups', services: Array.from({ length: 101 }, (_, i) => `s${i}`) },
    ]) {
      const res = await request(svc.app)
        .post('/v1/carrier-accounts')
        .set('Authorization', await auth('initech'))
        .send(body);
      expect(res.status).toBe(400);
    }
    await request(svc.app)
      .patch(`/v1/carrier-accounts/${id}`)
      .set('Authorization', await auth('initech'))
      .send({})
      .expect(400);
  });
});
