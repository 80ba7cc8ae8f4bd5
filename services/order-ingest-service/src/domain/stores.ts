/** Each account has one built-in manual store ("manual marketplace", SPEC §0), made on first use. */
export const manualStoreId = (accountId: string) => `st_manual_${accountId}`;
