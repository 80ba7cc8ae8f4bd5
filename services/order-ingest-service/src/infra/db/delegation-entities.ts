import { EntitySchema } from 'typeorm';
import { CARRIER_LIMITS } from '@crp/contracts/limits';
import { entityColumn } from '@crp/platform/columns';
import type { AutomationRule, ConnectionView, Delegation } from '../../domain/delegation';
import type { CarrierAccountView } from '../../domain/shipping-service';
import type { ShippingSelection } from '../../app/delegation-ports';

const { datetime: dt, varchar: vc } = entityColumn;

export const ConnectionViewEntity = new EntitySchema<ConnectionView>({
  name: 'ConnectionView',
  tableName: 'tpl_connections',
  columns: {
    connectionId: { ...vc('connection_id', 40, false), primary: true },
    tplAccountId: vc('tpl_account_id', 64, false),
    clientAccountId: vc('client_account_id', 64),
    status: vc('status', 16, false),
    changedAt: dt('changed_at'),
  },
});

export const CarrierAccountViewEntity = new EntitySchema<CarrierAccountView>({
  name: 'CarrierAccountView',
  tableName: 'carrier_accounts',
  columns: {
    carrierAccountId: { ...vc('carrier_account_id', 40, false), primary: true },
    accountId: vc('account_id', 64, false),
    carrierCode: vc('carrier_code', CARRIER_LIMITS.codeMax, false),
    services: { type: 'simple-json' },
    sharedWithProviders: { name: 'shared_with_providers', type: 'boolean' },
    status: vc('status', 16, false),
    version: { type: 'int' },
  },
});

export const AutomationRuleEntity = new EntitySchema<AutomationRule>({
  name: 'AutomationRule',
  tableName: 'automation_rules',
  columns: {
    id: { type: 'varchar', length: 40, primary: true },
    accountId: vc('account_id', 64, false),
    name: vc('name', 190, false),
    storeId: vc('store_id', 80),
    tag: vc('tag', 100),
    providerAccountId: vc('provider_account_id', 64, false),
    createdAt: dt('created_at'),
    createdBy: vc('created_by', 190, false),
  },
});

export const DelegationEntity = new EntitySchema<Delegation>({
  name: 'OrderDelegation',
  tableName: 'order_delegations',
  columns: {
    orderId: { ...vc('order_id', 40, false), primary: true },
    clientAccountId: vc('client_account_id', 64, false),
    providerAccountId: vc('provider_account_id', 64, false),
    connectionId: vc('connection_id', 40, false),
    providerOrderId: vc('provider_order_id', 40, false),
    delegatedBy: vc('delegated_by', 16, false),
    ruleId: vc('rule_id', 40),
    delegatedAt: dt('delegated_at'),
  },
});

export const ShippingSelectionEntity = new EntitySchema<ShippingSelection>({
  name: 'ShippingSelection',
  tableName: 'order_shipping_services',
  columns: {
    orderId: { ...vc('order_id', 40, false), primary: true },
    accountId: vc('account_id', 64, false),
    carrierCode: vc('carrier_code', CARRIER_LIMITS.codeMax, false),
    serviceCode: vc('service_code', CARRIER_LIMITS.codeMax, false),
    carrierAccountId: vc('carrier_account_id', 40, false),
    carrierAccountOwner: vc('carrier_account_owner', 8, false),
    selectedBy: vc('selected_by', 190, false),
    selectedAt: dt('selected_at'),
  },
});

export const delegationEntities = [
  ConnectionViewEntity,
  CarrierAccountViewEntity,
  AutomationRuleEntity,
  DelegationEntity,
  ShippingSelectionEntity,
];
