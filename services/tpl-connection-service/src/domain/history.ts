import type { ConnectionAction, ConnectionStatus, Side } from './connection';

/** How a change reached the service: the 3PL's or client's API, the e-mailed link, or the client's settings. */
export type Via = 'api' | 'settings' | 'invitation_link';

/** One transition of one connection (R5.2): who, when, from, to. Append-only. */
export interface HistoryEntry {
  id: string;
  connectionId: string;
  tplAccountId: string;
  action: ConnectionAction;
  fromStatus: ConnectionStatus | null;
  toStatus: ConnectionStatus;
  side: Side;
  actorAccountId: string;
  /** The user (JWT `sub`) who acted. */
  actorUserId: string;
  via: Via;
  at: Date;
}
