import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Static, TSchema } from '@sinclair/typebox';
import { withoutUnionNoise } from './ajv-errors';

// One ajv for the whole process: compiled validators are cached per schema object, so each
// schema compiles once however many times it is used.
export const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false });
addFormats(ajv);

const cache = new WeakMap<object, ValidateFunction>();

export function compile<T extends TSchema>(schema: T): ValidateFunction<Static<T>> {
  let fn = cache.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(schema, fn);
  }
  return fn as ValidateFunction<Static<T>>;
}

/**
 * Human-readable, one line per problem: `/payload/order/orderDate must match format "date-time"`.
 * A value that fails a union (a nullable field) is described once, by what it was meant to be
 * (`/notes must NOT have more than 5000 characters`, not also "must be null" and "must match a
 * schema in anyOf"), or by the types allowed (`/notes must be a string or null`): withoutUnionNoise.
 */
export function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return withoutUnionNoise(errors).map((e) => {
    const where = e.instancePath || '(root)';
    if (e.keyword === 'required') return `${where} must have property "${String(e.params.missingProperty)}"`;
    if (e.keyword === 'additionalProperties')
      return `${where} must not have property "${String(e.params.additionalProperty)}"`;
    if (e.keyword === 'const') return `${where} must be ${JSON.stringify(e.params.allowedValue)}`;
    if (e.keyword === 'enum')
      return `${where} must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    return `${where} ${e.message ?? 'is invalid'}`;
  });
}

export class ContractViolation extends Error {
  readonly code = 'CONTRACT_VIOLATION';
  readonly retriable = false;
  constructor(
    readonly subject: string,
    readonly problems: string[],
  ) {
    super(`${subject} is invalid: ${problems.join('; ')}`);
    this.name = 'ContractViolation';
  }
}

export function assertValid<T extends TSchema>(schema: T, value: unknown, subject: string): Static<T> {
  const validate = compile(schema);
  if (!validate(value)) throw new ContractViolation(subject, formatErrors(validate.errors));
  return value;
}
