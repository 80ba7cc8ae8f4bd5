/** A carrier account an account registered (R5.5): a carrier and the services it supports. */
export interface CarrierAccount {
  id: string;
  accountId: string;
  carrierCode: string;
  /** Service codes, unique, in the order given. */
  services: string[];
  /** May the account's connected 3PLs ship its orders with it? (R5.5: "if agreed with the client") */
  sharedWithProviders: boolean;
  /** Bumped on every change; travels in CarrierAccountChanged so consumers can drop stale events. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Service codes compared as carriers write them (lower case); duplicates dropped, order kept. */
export function normalizeServices(services: readonly string[]): string[] {
  return [...new Set(services.map((s) => s.trim().toLowerCase()))];
}
