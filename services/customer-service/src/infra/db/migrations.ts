import { CreateCustomers1732000000100 } from './migrations/1732000000100-create-customers';
import { SearchIndexes1732000000200 } from './migrations/1732000000200-search-indexes';
import { DuplicateSuggestions1732000000210 } from './migrations/1732000000210-duplicate-suggestions';
import { ChangeLogPrivacy1732000000300 } from './migrations/1732000000300-change-log-privacy';
import { WidenTotalSpent1732000000400 } from './migrations/1732000000400-widen-total-spent';
import { Mailchimp1732000000500 } from './migrations/1732000000500-mailchimp';
import { ImportDryRuns1732000000600 } from './migrations/1732000000600-import-dry-runs';
import { MailchimpRecordHash1732000000700 } from './migrations/1732000000700-mailchimp-record-hash';
import { CustomerNotes1732000000800 } from './migrations/1732000000800-customer-notes';
import { ListOrderIndex1732000000810 } from './migrations/1732000000810-list-order-index';
import { MergedIntoIndex1732000000820 } from './migrations/1732000000820-merged-into-index';
import { DuplicatesByKeyIndex1732000000830 } from './migrations/1732000000830-duplicates-by-key-index';
import { MailchimpScale1732000000840 } from './migrations/1732000000840-mailchimp-scale';
import { MatchKeysIdOrder1732000000850 } from './migrations/1732000000850-match-keys-id-order';
import { MailchimpCleanup1732000000860 } from './migrations/1732000000860-mailchimp-cleanup';
import { MailchimpDisconnections1732000000890 } from './migrations/1732000000890-mailchimp-disconnections';
import { MailchimpRotation1732000000891 } from './migrations/1732000000891-mailchimp-rotation';

/** This service's own migrations, oldest first (the kit adds the outbox/inbox tables' one). */
export const migrations = [
  CreateCustomers1732000000100,
  SearchIndexes1732000000200,
  DuplicateSuggestions1732000000210,
  ChangeLogPrivacy1732000000300,
  WidenTotalSpent1732000000400,
  Mailchimp1732000000500,
  ImportDryRuns1732000000600,
  MailchimpRecordHash1732000000700,
  CustomerNotes1732000000800,
  ListOrderIndex1732000000810,
  MergedIntoIndex1732000000820,
  DuplicatesByKeyIndex1732000000830,
  MailchimpScale1732000000840,
  MatchKeysIdOrder1732000000850,
  MailchimpCleanup1732000000860,
  MailchimpDisconnections1732000000890,
  MailchimpRotation1732000000891,
];
