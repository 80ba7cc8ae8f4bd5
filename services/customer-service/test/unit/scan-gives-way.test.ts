import type { EntityManager } from 'typeorm';
import type { ServiceDeps } from '@crp/service-kit/assemble';
import { serviceDefinition } from '../../src/composition-root';

/** The handlers of the service's consumer, with `onBusy` recording each call. */
function handlers() {
  const calls: string[] = [];
  const metrics = { histogram: () => ({ observe: () => undefined }) };
  const map = serviceDefinition(() => calls.push('busy')).batchHandlers!({
    outbox: {},
    metrics,
  } as unknown as ServiceDeps);
  return { map, calls };
}

describe('the likely-duplicates scan gives way to the hot paths', () => {
  it('is told the service is busy by a batch of customer import chunks', async () => {
    const { map, calls } = handlers();
    // A v1 chunk has no producer and is dropped: the handler touches no table, yet reports the batch.
    await map.CustomerImportRequested!([{ eventVersion: 1 } as never], {} as EntityManager, {} as never);
    expect(calls).toEqual(['busy']);
  });
});
