// Several single-value lookups in one round trip: `select (q1) as a, (q2) as b`. Each query
// selects one column and is limited to one row; a lookup given as null answers null (and
// when all are, nothing is sent).
import type { Knex } from 'knex';

export async function selectTogether<K extends string>(
  db: Knex,
  lookups: Record<K, Knex.QueryBuilder | null>,
): Promise<Record<K, unknown>> {
  const names = Object.keys(lookups) as K[];
  // Nothing to look up (a PATCH naming no assignee or alias, say): no round trip for nulls.
  if (names.every((name) => lookups[name] === null))
    return Object.fromEntries(names.map((name) => [name, null])) as Record<K, unknown>;
  const columns = names.map((name) => {
    const query = lookups[name];
    return query ? query.clone().limit(1).as(name) : db.raw('null as ??', [name]);
  });
  const [row] = (await db.select(columns)) as Array<Record<K, unknown>>;
  return row as Record<K, unknown>;
}
