import type { Database } from '@crp/platform/db';
import { badRequest } from '@crp/platform/errors';
import type { MatchPolicy } from '../domain/matching';
import { isKnownCountry } from '../domain/normalize';
import { findCustomer, getSettings, saveSettings } from '../infra/db/repositories';

export interface SettingsInput {
  matchPolicy?: MatchPolicy;
  defaultCountry?: string;
  protectNames?: boolean;
  defaultCustomerId?: string | null;
}

export async function readSettings(db: Database, accountId: string) {
  const s = await getSettings(db.dataSource.manager, accountId);
  return {
    matchPolicy: s.matchPolicy,
    defaultCountry: s.defaultCountry,
    protectNames: s.protectNames,
    defaultCustomerId: s.defaultCustomerId,
  };
}

export async function updateSettings(db: Database, accountId: string, input: SettingsInput) {
  if (input.defaultCustomerId === '') input = { ...input, defaultCustomerId: null };
  if (input.defaultCountry !== undefined && !isKnownCountry(input.defaultCountry)) {
    throw badRequest(
      `defaultCountry ${input.defaultCountry} is not a country phone numbers can be read for (ISO 3166-1 alpha-2)`,
    );
  }
  await db.transaction(async (tx) => {
    const s = await getSettings(tx, accountId);
    if (input.defaultCustomerId) {
      const c = await findCustomer(tx, accountId, input.defaultCustomerId);
      if (!c || c.status !== 'active')
        throw badRequest(
          `defaultCustomerId ${input.defaultCustomerId} is not an active customer of this account`,
        );
    }
    await saveSettings(tx, {
      ...s,
      ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
      defaultCountry: (input.defaultCountry ?? s.defaultCountry).toUpperCase(),
      updatedAt: new Date(),
    });
  });
  return readSettings(db, accountId);
}
