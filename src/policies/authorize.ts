// The one place that chooses between 404 and 403 (SPEC §4):
//   - a record the caller may not see (not found through its visibility scope, or a
//     malformed id) → 404, so its existence is not revealed;
//   - a record they may see but the rule refuses → 403, with the rule's reason.
// Routes never pick these statuses themselves. Writes take an `Authorized<T>`, which only
// this function hands out, so a write cannot skip it.
import { forbidden, notFound, validationFailed } from '../errors';
import type { Verdict } from './verdict';

declare const authorizedBrand: unique symbol;
export type Authorized<T> = T & { readonly [authorizedBrand]: true };

export function authorize<T>(record: T | undefined, rule?: (record: T) => Verdict): Authorized<T> {
  if (record === undefined) throw notFound();
  const verdict = rule?.(record);
  if (verdict && !verdict.allowed) throw forbidden(verdict.reason);
  return record as Authorized<T>;
}

/**
 * A record named by a body field (`group_id` in POST /events, …): when the caller cannot see
 * it, it is a 400 on that field (SPEC §4), not a 404 — the request, not the path, is wrong.
 * What the caller may then do with it is still `authorize()`'s call (403).
 */
export function referenced<T>(record: T | undefined, field: string, message: string): T {
  if (record === undefined) throw validationFailed({ [field]: [message] });
  return record;
}
