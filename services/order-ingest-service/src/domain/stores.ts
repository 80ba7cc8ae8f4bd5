import { MANUAL_STORE_PREFIX } from '@crp/contracts/limits';
/** Each account has one built-in manual store ("manual marketplace", SPEC §0), made on first use. */
export const manualStoreId = (accountId: string) => `${MANUAL_STORE_PREFIX}${accountId}`;
