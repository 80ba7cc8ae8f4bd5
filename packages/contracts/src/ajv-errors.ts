import type { ErrorObject } from 'ajv';

// No ajv instance here (nothing compiled at import): the HTTP validators of @crp/platform use it
// too, over their own ajv.

/**
 * Ajv's errors with the noise of unions taken out, so that a nullable field (typebox
 * `Type.Union([X, Type.Null()])`, an `anyOf`) says only what is wrong with the value given. Ajv
 * (allErrors) reports, for an `anyOf` that failed, every branch's errors and then "must match a
 * schema in anyOf": `notes` 5,001 characters long gives "must NOT have more than 5000 characters",
 * "must be null" and that line. Here, per failed `anyOf` (the innermost first):
 * - the `anyOf` error itself goes;
 * - a branch whose type does not fit the value (a `type` error at the value's own path) goes, with
 *   all its errors: the value was not meant for it;
 * - when no branch fits, one error says which types are allowed ("must be a string or null");
 * - when each branch left asks for one constant (a union of literals), one error lists them
 *   ("must be one of …", keyword `enum`).
 * Errors of anything else are returned as they are, in their order.
 */
export function withoutUnionNoise<E extends ErrorObject>(errors: readonly E[] | null | undefined): E[] {
  let list = [...(errors ?? [])];
  const anyOfs = list
    .filter((e) => e.keyword === 'anyOf')
    .sort((a, b) => depth(b.schemaPath) - depth(a.schemaPath));
  for (const failed of anyOfs) {
    const prefix = `${failed.schemaPath}/`;
    const at = failed.instancePath;
    // The same anyOf fails once per array item: a branch's errors are at this value or inside it.
    const within = (e: E) => e.instancePath === at || e.instancePath.startsWith(`${at}/`);
    const branches = new Map<string, E[]>();
    for (const e of list) {
      if (e === failed || !e.schemaPath.startsWith(prefix) || !within(e)) continue;
      const branch = e.schemaPath.slice(prefix.length).split('/')[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    if (branches.size === 0) continue;
    const typeErrors = (errs: E[]) => errs.filter((e) => e.keyword === 'type' && e.instancePath === at);
    const fitting = [...branches.values()].filter((errs) => typeErrors(errs).length === 0);
    let instead: E[];
    if (fitting.length === 0) {
      const types = [...new Set([...branches.values()].flatMap((errs) => typeErrors(errs).flatMap(typesOf)))];
      instead = [
        {
          ...failed,
          keyword: 'type',
          params: { type: types.join(',') },
          message: `must be ${typeList(types)}`,
        },
      ];
    } else if (
      fitting.length > 1 &&
      fitting.every(
        (errs) => errs.length === 1 && errs[0]!.keyword === 'const' && errs[0]!.instancePath === at,
      )
    ) {
      const allowedValues = fitting.map(
        (errs) => (errs[0]!.params as { allowedValue: unknown }).allowedValue,
      );
      instead = [
        {
          ...failed,
          keyword: 'enum',
          params: { allowedValues },
          message: `must be one of ${allowedValues.map((v) => JSON.stringify(v)).join(', ')}`,
        },
      ];
    } else {
      instead = fitting.flat();
    }
    // What replaces the union's errors stands where the first of them stood.
    const gone = new Set<E>([failed, ...[...branches.values()].flat()]);
    const next: E[] = [];
    let placed = false;
    for (const e of list) {
      if (!gone.has(e)) next.push(e);
      else if (!placed) {
        next.push(...instead);
        placed = true;
      }
    }
    list = next;
  }
  return list;
}

const depth = (schemaPath: string) => schemaPath.split('/').length;

const typesOf = (e: ErrorObject): string[] => {
  const t = (e.params as { type?: unknown }).type;
  return Array.isArray(t) ? t.map(String) : String(t).split(',');
};

const ARTICLES: Record<string, string> = {
  null: 'null',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
};

/** `a string`, `a string or null`, `a string, a number or null`. */
function typeList(types: string[]): string {
  const named = types.map((t) => ARTICLES[t] ?? t);
  return named.length <= 1
    ? (named[0] ?? 'of another type')
    : `${named.slice(0, -1).join(', ')} or ${named[named.length - 1]!}`;
}
