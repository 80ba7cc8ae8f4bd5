import type { ChannelConnector } from '../../app/ports';

/** A channel whose orders are only pulled (eBay, Amazon): no webhook is ever accepted for it. */
export const NO_WEBHOOKS: ChannelConnector['webhook'] = {
  secret: () => null,
  verify: () => false,
  isPing: () => false,
  deliveryId: () => null,
  topic: () => null,
  accepts: () => false,
  orders: async () => [],
};
