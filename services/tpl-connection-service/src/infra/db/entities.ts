import { EntitySchema } from 'typeorm';
import { entityColumn } from '@crp/platform/columns';
import type { ConnectionStatus } from '../../domain/connection';

const { datetime: dt, varchar: vc } = entityColumn;

export interface ConnectionRow {
  id: string;
  /** The 3PL's account: the side that invites (R5.1). */
  tplAccountId: string;
  /** Email of the client's account, as the 3PL typed it (R5.1). */
  clientEmail: string;
  /** Known once the client accepts (R5.3). */
  clientAccountId: string | null;
  /** The 3PL's internal nickname for the client. */
  clientName: string;
  /** The name the client sees for the 3PL. */
  companyName: string;
  status: ConnectionStatus;
  createdAt: Date;
  updatedAt: Date;
}

export interface InvitationRow {
  id: string;
  connectionId: string;
  /** SHA-256 of the link token: the token itself is only ever in the email (R5.3). */
  tokenHash: string;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}

export interface CarrierAccountRow {
  id: string;
  accountId: string;
  carrierCode: string;
  /** Service codes this carrier account supports (R5.5). */
  services: string[];
  createdAt: Date;
}

export const ConnectionEntity = new EntitySchema<ConnectionRow>({
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

export const InvitationEntity = new EntitySchema<InvitationRow>({
  name: 'Invitation',
  tableName: 'invitations',
  columns: {
    id: { type: 'varchar', length: 40, primary: true },
    connectionId: vc('connection_id', 40, false),
    tokenHash: vc('token_hash', 64, false),
    expiresAt: dt('expires_at'),
    usedAt: dt('used_at', true),
    createdAt: dt('created_at'),
  },
});

export const CarrierAccountEntity = new EntitySchema<CarrierAccountRow>({
  name: 'CarrierAccount',
  tableName: 'carrier_accounts',
  columns: {
    id: { type: 'varchar', length: 40, primary: true },
    accountId: vc('account_id', 64, false),
    carrierCode: vc('carrier_code', 64, false),
    services: { type: 'simple-json' },
    createdAt: dt('created_at'),
  },
});

export const connectionEntities = [ConnectionEntity, InvitationEntity, CarrierAccountEntity];
