import { EntitySchema } from 'typeorm';
import { CARRIER_LIMITS } from '@crp/contracts/limits';
import { entityColumn } from '@crp/platform/columns';
import type { CarrierAccount } from '../../domain/carrier-account';
import type { Connection } from '../../domain/connection';
import type { DirectoryEntry } from '../../domain/directory';
import type { HistoryEntry } from '../../domain/history';
import type { Invitation } from '../../domain/invitation';

const { datetime: dt, varchar: vc } = entityColumn;

// The rows are the domain's plain records; only the column mapping lives here.
export type ConnectionRow = Connection;
export type InvitationRow = Invitation;
export type CarrierAccountRow = CarrierAccount;

export const ConnectionEntity = new EntitySchema<Connection>({
  name: 'Connection',
  tableName: 'connections',
  columns: {
    id: { type: 'varchar', length: 40, primary: true },
    tplAccountId: vc('tpl_account_id', 64, false),
    clientEmail: vc('client_email', 190, false),
    clientAccountId: vc('client_account_id', 64),
    clientName: vc('client_name', 190, false),
    companyName: vc('company_name', 190, false),
    status: vc('status', 16, false),
    createdAt: dt('created_at'),
    updatedAt: dt('updated_at'),
  },
});

export const InvitationEntity = new EntitySchema<Invitation>({
  name: 'Invitation',
  tableName: 'invitations',
  columns: {
    id: { type: 'varchar', length: 40, primary: true },
    connectionId: vc('connection_id', 40, false),
    tokenHash: vc('token_hash', 64, false),
    expiresAt: dt('expires_at'),
    usedAt: dt('used_at', true),
    revokedAt: dt('revoked_at', true),
    createdAt: dt('created_at'),
  },
});

export const CarrierAccountEntity = new EntitySchema<CarrierAccount>({
  name: 'CarrierAccount',
  tableName: 'carrier_accounts',
  columns: {
    id: { type: 'varchar', length: 40, primary: true },
    accountId: vc('account_id', 64, false),
    carrierCode: vc('carrier_code', CARRIER_LIMITS.codeMax, false),
    services: { type: 'simple-json' },
    sharedWithProviders: { name: 'shared_with_providers', type: 'boolean', default: true },
    version: { type: 'int', default: 1 },
    createdAt: dt('created_at'),
    // Nullable in the schema only because it was added later; the migration fills older rows.
    updatedAt: dt('updated_at', true),
  },
});

export const DirectoryEntity = new EntitySchema<DirectoryEntry>({
  name: 'DirectoryEntry',
  tableName: 'account_directory',
  columns: {
    accountId: { ...vc('account_id', 64, false), primary: true },
    email: { ...vc('email', 190, false), primary: true },
    firstSeenAt: dt('first_seen_at'),
    lastSeenAt: dt('last_seen_at'),
  },
});

export const HistoryEntity = new EntitySchema<HistoryEntry>({
  name: 'ConnectionHistory',
  tableName: 'connection_history',
  columns: {
    id: { type: 'varchar', length: 40, primary: true },
    connectionId: vc('connection_id', 40, false),
    tplAccountId: vc('tpl_account_id', 64, false),
    action: vc('action', 16, false),
    fromStatus: vc('from_status', 16),
    toStatus: vc('to_status', 16, false),
    side: vc('side', 8, false),
    actorAccountId: vc('actor_account_id', 64, false),
    actorUserId: vc('actor_user_id', 190, false),
    via: vc('via', 16, false),
    at: dt('at'),
  },
});

export const connectionEntities = [
  ConnectionEntity,
  InvitationEntity,
  CarrierAccountEntity,
  DirectoryEntity,
  HistoryEntity,
];
