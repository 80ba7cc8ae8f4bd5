import type { Repositories } from '../../app/ports';
import { buyerAliasRepository } from './buyer-alias-repository';
import { delegationRepository } from './delegation-repositories';
import { orderRepository } from './order-repository';
import { storeRepository } from './store-repository';
import { syncJobRepository } from './sync-job-repository';
import { webhookRepository } from './webhook-repository';

/** The storage adapters behind the app's ports (src/app/ports.ts). */
export const repositories: Repositories = {
  orders: orderRepository,
  stores: storeRepository,
  syncJobs: syncJobRepository,
  webhooks: webhookRepository,
  delegation: delegationRepository,
  buyerAliases: buyerAliasRepository,
};
