import { EntitySchema } from 'typeorm';
import { MAILCHIMP_LIMITS } from '@crp/contracts/limits';
import { entityColumn } from '@crp/platform/columns';
import type {
  MailchimpCleanupRecord,
  MailchimpConnectionRecord,
  MailchimpDisconnectionRecord,
  MailchimpMemberRecord,
  MailchimpQueueRecord,
  MailchimpRotationRecord,
} from '../../app/mailchimp/ports';

const { datetime: dt, varchar: vc } = entityColumn;

export const MailchimpConnectionEntity = new EntitySchema<MailchimpConnectionRecord>({
  name: 'MailchimpConnection',
  tableName: 'mailchimp_connections',
  columns: {
    accountId: { name: 'account_id', type: 'varchar', length: 64, primary: true },
    apiKeySealed: { name: 'api_key_sealed', type: 'text' },
    baseUrl: vc('base_url', 255, false),
    audienceId: vc('audience_id', MAILCHIMP_LIMITS.audienceIdMax, false),
    audienceName: vc('audience_name', 190),
    tagWithStore: { name: 'tag_with_store', type: 'boolean' },
    syncNotSubscribed: vc('sync_not_subscribed', 16, false),
    webhookToken: vc('webhook_token', MAILCHIMP_LIMITS.webhookTokenMax, false),
    lastSuccessAt: dt('last_success_at', true),
    lastErrorAt: dt('last_error_at', true),
    lastError: vc('last_error', 500),
    syncedCount: { name: 'synced_count', type: 'int', default: 0 },
    skippedCount: { name: 'skipped_count', type: 'int', default: 0 },
    failedCount: { name: 'failed_count', type: 'int', default: 0 },
    deletedCount: { name: 'deleted_count', type: 'int', default: 0 },
    webhookCount: { name: 'webhook_count', type: 'int', default: 0 },
    backfillCursor: vc('backfill_cursor', 40),
    backfillQueued: { name: 'backfill_queued', type: 'int', default: 0 },
    backfillStartedAt: dt('backfill_started_at', true),
    backfillDoneAt: dt('backfill_done_at', true),
    membersEpoch: { name: 'members_epoch', type: 'int', default: 0 },
    createdAt: dt('created_at'),
    updatedAt: dt('updated_at'),
  },
  indices: [{ name: 'uq_mailchimp_webhook_token', columns: ['webhookToken'], unique: true }],
});

export const MailchimpQueueEntity = new EntitySchema<MailchimpQueueRecord>({
  name: 'MailchimpQueue',
  tableName: 'mailchimp_queue',
  columns: {
    accountId: { name: 'account_id', type: 'varchar', length: 64, primary: true },
    customerId: { name: 'customer_id', type: 'varchar', length: 40, primary: true },
    token: vc('token', 64, false),
    attempts: { type: 'int', default: 0 },
    enqueuedAt: dt('enqueued_at'),
    nextAttemptAt: dt('next_attempt_at'),
  },
  indices: [
    { name: 'ix_mailchimp_queue_due', columns: ['accountId', 'nextAttemptAt'] },
    { name: 'ix_mailchimp_queue_retrying', columns: ['accountId', 'attempts'] },
    { name: 'ix_mailchimp_queue_enqueued', columns: ['accountId', 'enqueuedAt'] },
  ],
});

export const MailchimpMemberEntity = new EntitySchema<MailchimpMemberRecord>({
  name: 'MailchimpMember',
  tableName: 'mailchimp_members',
  columns: {
    accountId: { name: 'account_id', type: 'varchar', length: 64, primary: true },
    customerId: { name: 'customer_id', type: 'varchar', length: 40, primary: true },
    hash: vc('hash', 32, false),
    recordHash: vc('record_hash', 32),
    epoch: { type: 'int', default: 0 },
    syncedAt: dt('synced_at'),
  },
  indices: [{ name: 'ix_mailchimp_members_epoch', columns: ['accountId', 'epoch'] }],
});

export const MailchimpCleanupEntity = new EntitySchema<MailchimpCleanupRecord>({
  name: 'MailchimpCleanup',
  tableName: 'mailchimp_cleanups',
  columns: {
    accountId: { name: 'account_id', type: 'varchar', length: 64, primary: true },
    clearQueue: { name: 'clear_queue', type: 'boolean', default: false },
    membersBelow: { name: 'members_below', type: 'int', default: 0 },
    startedAt: dt('started_at'),
  },
});

export const MailchimpDisconnectionEntity = new EntitySchema<MailchimpDisconnectionRecord>({
  name: 'MailchimpDisconnection',
  tableName: 'mailchimp_disconnections',
  columns: {
    accountId: { name: 'account_id', type: 'varchar', length: 64, primary: true },
    audienceId: vc('audience_id', MAILCHIMP_LIMITS.audienceIdMax),
    audienceName: vc('audience_name', 190),
    disconnectedAt: dt('disconnected_at'),
    cleanupDoneAt: dt('cleanup_done_at', true),
  },
});

export const MailchimpRotationEntity = new EntitySchema<MailchimpRotationRecord>({
  name: 'MailchimpRotation',
  tableName: 'mailchimp_rotation',
  columns: {
    kind: { name: 'kind', type: 'varchar', length: 16, primary: true },
    afterAccount: { ...vc('after_account', 64, false), default: '' },
    updatedAt: dt('updated_at', true),
  },
});

export const mailchimpEntities = [
  MailchimpConnectionEntity,
  MailchimpQueueEntity,
  MailchimpMemberEntity,
  MailchimpCleanupEntity,
  MailchimpDisconnectionEntity,
  MailchimpRotationEntity,
];
