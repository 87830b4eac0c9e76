// How SeatShare names a person (a user or a user alias) wherever it shows one: "First Last".
// The API's `display_name` (users, aliases, ticket summaries, history actors) and the registrant
// on the consent page. Names are trimmed and non-blank when stored, so the rule needs no trimming.

export function displayName(first: string, last: string): string {
  return `${first} ${last}`;
}

/**
 * The same rule as a SQL expression over the `first_name` and `last_name` of `table` (an alias
 * in the query, written in code, never taken from input): for lists that name people in SQL.
 */
export function displayNameSql(table: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`displayNameSql: not a table alias: ${table}`);
  return `${table}.first_name || ' ' || ${table}.last_name`;
}
