// The one place that chooses between 404 and 403 (SPEC §4):
//   - a record the caller may not see (not found through its visibility scope, or a
//     malformed id) → 404, so its existence is not revealed;
//   - a record they may see but the rule refuses → 403, with the rule's reason.
// Routes never pick these statuses themselves. Writes take an `Authorized<T>`, which only
// this function hands out, so a write cannot skip it.
import { forbidden, notFound } from '../errors';
import type { Verdict } from './verdict';

declare const authorizedBrand: unique symbol;
export type Authorized<T> = T & { readonly [authorizedBrand]: true };

export function authorize<T>(record: T | undefined, rule?: (record: T) => Verdict): Authorized<T> {
  if (record === undefined) throw notFound();
  const verdict = rule?.(record);
  if (verdict && !verdict.allowed) throw forbidden(verdict.reason);
  return record as Authorized<T>;
}
