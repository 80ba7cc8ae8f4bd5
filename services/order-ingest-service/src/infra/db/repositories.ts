import type { Repositories } from '../../app/ports';
import { delegationRepository } from './delegation-repositories';
import { orderRepository } from './order-repository';
import { storeRepository } from './store-repository';

/** The storage adapters behind the app's ports (src/app/ports.ts). */
export const repositories: Repositories = {
  orders: orderRepository,
  stores: storeRepository,
  delegation: delegationRepository,
};
