import type { CustomerState } from './customer';
import { isEmail } from './normalize';

/** Something about a record a person should look at; shown with the record, never blocking. */
export interface RecordFlag {
  field: string;
  code: string;
  message: string;
}

/**
 * Flags of a record, worked out from what it holds (so an edit that fixes the value clears the
 * flag by itself). An email that is not an address came from an order as written: it is kept, but
 * never used to match orders (R1.4) until someone corrects it.
 */
export function recordFlags(c: Pick<CustomerState, 'email'>): RecordFlag[] {
  const flags: RecordFlag[] = [];
  if (c.email !== null && !isEmail(c.email)) {
    flags.push({
      field: 'email',
      code: 'EMAIL_NOT_AN_ADDRESS',
      message: `email "${c.email}" is not an email address: kept as written, never used to match orders; correct it with PATCH /v1/customers/{id}`,
    });
  }
  return flags;
}
