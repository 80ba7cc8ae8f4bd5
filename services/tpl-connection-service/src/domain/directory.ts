/**
 * One admin e-mail of one account, as the accounts directory knows it (R5.1: a 3PL invites a
 * client by the email of the client's account). Fed by the verified `email` claim of admin tokens
 * (ADR 0008); a person may be an admin of several accounts, so one email may map to several.
 */
export interface DirectoryEntry {
  accountId: string;
  email: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
}
