import { CreateOrders1732000000200 } from './migrations/1732000000200-create-orders';
import { CreateDelegation1732000000210 } from './migrations/1732000000210-create-delegation';
import { ChannelConnectors1732000000220 } from './migrations/1732000000220-channel-connectors';
import { BuyerAliases1732000000230 } from './migrations/1732000000230-buyer-aliases';
import { ListIndexes1732000000240 } from './migrations/1732000000240-list-indexes';
import { BuyerLinkIndex1732000000250 } from './migrations/1732000000250-buyer-link-index';
import { ListFilterIndexes1732000000260 } from './migrations/1732000000260-list-filter-indexes';
import { CanonicalOrderStatuses1732000000270 } from './migrations/1732000000270-canonical-order-statuses';

/** This service's own migrations, oldest first (the kit adds the outbox/inbox tables' one). */
export const migrations = [
  CreateOrders1732000000200,
  CreateDelegation1732000000210,
  ChannelConnectors1732000000220,
  BuyerAliases1732000000230,
  ListIndexes1732000000240,
  BuyerLinkIndex1732000000250,
  ListFilterIndexes1732000000260,
  CanonicalOrderStatuses1732000000270,
];
