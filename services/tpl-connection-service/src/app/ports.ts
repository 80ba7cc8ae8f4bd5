import type { EntityManager } from 'typeorm';
import type { Outbox } from '@crp/messaging/outbox';
import type { Database } from '@crp/platform/db';
import type { CarrierAccount } from '../domain/carrier-account';
import type { Connection, ConnectionStatus } from '../domain/connection';
import type { DirectoryEntry } from '../domain/directory';
import type { HistoryEntry } from '../domain/history';
import type { Invitation } from '../domain/invitation';

/**
 * What the use cases need from the outside world. `src/infra` implements these; the composition
 * root hands them over. Every read takes the caller's account: tenancy lives in the signature.
 */
export type Tx = EntityManager;

export interface ConnectionRepository {
  /** The 3PL's side: one of its own connections. */
  ofTpl(tx: Tx, tplAccountId: string, connectionId: string): Promise<Connection | null>;
  byTplAndEmail(tx: Tx, tplAccountId: string, email: string): Promise<Connection | null>;
  /**
   * The client's side: a connection the caller is the client of, either already (its account)
   * or still pending for one of its admins' emails.
   */
  ofClient(tx: Tx, client: ClientScope, connectionId: string): Promise<Connection | null>;
  activeBetween(tx: Tx, tplAccountId: string, clientAccountId: string): Promise<Connection[]>;
  insert(tx: Tx, connection: Connection): Promise<void>;
  /** Writes `next` only if the row is still in `expected`; false when someone changed it first. */
  update(tx: Tx, next: Connection, expected: ConnectionStatus): Promise<boolean>;
  /** Newest first (created-at, id), after `after` when given: a keyset page of the 3PL's clients. */
  listOfTpl(
    tx: Tx,
    tplAccountId: string,
    query: { status?: ConnectionStatus; search?: string; after?: ListPosition; limit: number },
  ): Promise<Connection[]>;
  /** Most recently changed first (updated-at, id). */
  listOfClient(
    tx: Tx,
    client: ClientScope,
    query: { status?: ConnectionStatus; after?: ChangePosition; limit: number },
  ): Promise<Connection[]>;
}

/** A keyset position in a 3PL's client list: the last connection of a page. */
export interface ListPosition {
  createdAt: Date;
  id: string;
}

/** A keyset position in a client's connection list: the updated-at and id of a page's last entry. */
export interface ChangePosition {
  updatedAt: Date;
  id: string;
}

/** Who the client side is: its account, and the admin emails the directory knows for it. */
export interface ClientScope {
  accountId: string;
  emails: readonly string[];
}

export interface InvitationRepository {
  insert(tx: Tx, invitation: Invitation): Promise<void>;
  byId(tx: Tx, id: string): Promise<Invitation | null>;
  /** Single use: true only for the one caller that marked it. */
  markUsed(tx: Tx, id: string, at: Date): Promise<boolean>;
  /** Every link of the connection that is neither used nor revoked stops counting. */
  revokeOpen(tx: Tx, connectionId: string, at: Date): Promise<void>;
  latestOf(tx: Tx, connectionIds: readonly string[]): Promise<Map<string, Invitation>>;
}

export interface HistoryRepository {
  add(tx: Tx, entries: readonly HistoryEntry[]): Promise<void>;
  of(tx: Tx, connectionId: string): Promise<HistoryEntry[]>;
}

export interface DirectoryRepository {
  accountsWithEmail(tx: Tx, email: string): Promise<string[]>;
  emailsOf(tx: Tx, accountId: string): Promise<string[]>;
  /** Insert, or move last_seen_at forward. */
  record(tx: Tx, entry: DirectoryEntry): Promise<void>;
  forget(tx: Tx, accountId: string, email: string): Promise<void>;
}

export interface CarrierAccountRepository {
  ofAccount(tx: Tx, accountId: string): Promise<CarrierAccount[]>;
  one(tx: Tx, accountId: string, id: string): Promise<CarrierAccount | null>;
  insert(tx: Tx, account: CarrierAccount): Promise<void>;
  /** Writes `next` only if the stored version is still `next.version - 1`. */
  update(tx: Tx, next: CarrierAccount): Promise<boolean>;
  delete(tx: Tx, accountId: string, id: string): Promise<void>;
}

export interface Repositories {
  connections: ConnectionRepository;
  invitations: InvitationRepository;
  history: HistoryRepository;
  directory: DirectoryRepository;
  carrierAccounts: CarrierAccountRepository;
}

export type TokenCheck =
  { ok: true; invitationId: string } | { ok: false; reason: 'invalid' | 'expired'; expiresAt?: Date };

/** Signed, expiring link tokens (R5.3). Signing the same invitation twice gives the same token. */
export interface InvitationTokens {
  sign(invitation: Pick<Invitation, 'id' | 'expiresAt'>): Promise<string>;
  verify(token: string, now: Date): Promise<TokenCheck>;
  hash(token: string): string;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** For the embedded dev mailbox: which account sent it. */
  senderAccountId: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
}

export interface SentMail {
  id: string;
  to: string;
  subject: string;
  text: string;
  senderAccountId: string;
  sentAt: string;
  file: string;
}

/** The folder of written e-mails (no SMTP configured): what GET /v1/dev/outbox reads. */
export interface Mailbox {
  /** Messages addressed to one of `recipients`, newest first. */
  list(filter: { recipients: readonly string[]; limit: number }): Promise<SentMail[]>;
}

export interface InvitationSettings {
  ttlHours: number;
  linkUrl: string;
}

/** Everything a use case may touch, handed over by the composition root. */
export interface TplDeps {
  db: Database;
  outbox: Outbox;
  repos: Repositories;
  tokens: InvitationTokens;
  mailer: Mailer;
  invitations: InvitationSettings;
  now: () => Date;
}

/** Who is calling, from the verified token. */
export interface Caller {
  accountId: string;
  userId: string;
  role: 'admin' | 'member';
  email?: string;
  correlationId: string;
}
