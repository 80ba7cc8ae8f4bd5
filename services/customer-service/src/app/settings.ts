import type { Database } from '@crp/platform/db';
import { badRequest } from '@crp/platform/errors';
import type { MatchPolicy } from '../domain/matching';
import { isKnownCountry } from '../domain/normalize';
import { settingsOrDefault } from '../domain/records';
import type { CustomerRepository } from './ports';

export interface SettingsInput {
  matchPolicy?: MatchPolicy;
  defaultCountry?: string;
  protectNames?: boolean;
  defaultCustomerId?: string | null;
}

export async function readSettings(db: Database, repo: CustomerRepository, accountId: string) {
  const s = await db.transaction(async (tx) =>
    settingsOrDefault(accountId, (await repo.settings(tx, [accountId]))[0]),
  );
  return {
    matchPolicy: s.matchPolicy,
    defaultCountry: s.defaultCountry,
    protectNames: s.protectNames,
    defaultCustomerId: s.defaultCustomerId,
  };
}

export async function updateSettings(
  db: Database,
  repo: CustomerRepository,
  accountId: string,
  input: SettingsInput,
) {
  if (input.defaultCustomerId === '') input = { ...input, defaultCustomerId: null };
  if (input.defaultCountry !== undefined && !isKnownCountry(input.defaultCountry)) {
    throw badRequest(
      `defaultCountry ${input.defaultCountry} is not a country phone numbers can be read for (ISO 3166-1 alpha-2)`,
    );
  }
  await db.transaction(async (tx) => {
    const s = settingsOrDefault(accountId, (await repo.settings(tx, [accountId]))[0]);
    if (input.defaultCustomerId) {
      const c = await repo.findCustomer(tx, accountId, input.defaultCustomerId);
      if (!c || c.status !== 'active')
        throw badRequest(
          `defaultCustomerId ${input.defaultCustomerId} is not an active customer of this account`,
        );
    }
    await repo.saveSettings(tx, {
      ...s,
      ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
      defaultCountry: (input.defaultCountry ?? s.defaultCountry).toUpperCase(),
      updatedAt: new Date(),
    });
  });
  return readSettings(db, repo, accountId);
}
