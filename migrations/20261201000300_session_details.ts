// What /account/sessions shows of each signed-in session (SPEC §7): when it began, when it was
// last seen, and from which address and browser. The session store writes them for signed-in
// sessions only; an anonymous session keeps nulls. Sessions from before this count as begun now.
//
// Adding columns whose defaults are constant (now() is evaluated once) rewrites nothing, so the
// table, full of anonymous sessions, is not locked for long.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).nullable();
    t.text('ip').nullable();
    t.text('user_agent').nullable(); // truncated by the store (USER_AGENT_MAX)
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sessions', (t) => {
    t.dropColumn('user_agent');
    t.dropColumn('ip');
    t.dropColumn('last_seen_at');
    t.dropColumn('created_at');
  });
}
