// Groups, who belongs to them, how people join, and aliases for people without accounts.
import type { Knex } from 'knex';
import { lengthCheck, timestamps, uuidPrimaryKey } from '../src/db/migration-helpers';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('groups', (t) => {
    uuidPrimaryKey(knex, t);
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    // The reusable join code is shown to admins in the API, so it is kept readable; an admin
    // replaces it to shut it off. Single-use invitation codes are hashed (invitations).
    t.text('invitation_code').notNullable().unique();
    t.timestamp('deactivated_at', { useTz: true }); // DELETE /groups/:id: everything in it disappears
    timestamps(knex, t);
    t.check(lengthCheck('name', 1, 100), [], 'groups_name_length');
    t.check('char_length(description) <= 5000', [], 'groups_description_length');
  });

  await knex.schema.createTable('memberships', (t) => {
    uuidPrimaryKey(knex, t);
    t.uuid('group_id').notNullable().references('id').inTable('groups').onDelete('CASCADE');
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('role').notNullable().defaultTo('member');
    timestamps(knex, t);
    // Also the target of tickets' (group_id, owner_id) and (group_id, assignee_id) keys,
    // and the policy layer's "members of group X" lookup.
    t.unique(['group_id', 'user_id']);
    t.index(['user_id', 'group_id']); // "your groups": the policy layer's hot lookup
    t.check("role in ('admin', 'member')", [], 'memberships_role_valid');
  });

  await knex.schema.createTable('invitations', (t) => {
    uuidPrimaryKey(knex, t);
    t.uuid('group_id').notNullable().references('id').inTable('groups').onDelete('CASCADE');
    t.text('email').notNullable();
    t.text('code_hash').notNullable().unique(); // single-use code, shown once to the admin
    t.uuid('invited_by_id').references('id').inTable('users').onDelete('SET NULL').index();
    t.uuid('accepted_by_id').references('id').inTable('users').onDelete('SET NULL').index();
    t.timestamp('accepted_at', { useTz: true });
    t.timestamp('cancelled_at', { useTz: true });
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['group_id', 'created_at']); // admins list a group's invitations, newest first
    t.check(lengthCheck('email', 3, 254), [], 'invitations_email_length');
    t.check('(accepted_at is null) or (cancelled_at is null)', [], 'invitations_accepted_or_cancelled');
  });

  await knex.schema.createTable('user_aliases', (t) => {
    uuidPrimaryKey(knex, t);
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('first_name').notNullable();
    t.text('last_name').notNullable();
    timestamps(knex, t);
    t.index(['user_id', 'last_name', 'first_name']);
    t.check(lengthCheck('first_name', 1, 100), [], 'user_aliases_first_name_length');
    t.check(lengthCheck('last_name', 1, 100), [], 'user_aliases_last_name_length');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('user_aliases');
  await knex.schema.dropTable('invitations');
  await knex.schema.dropTable('memberships');
  await knex.schema.dropTable('groups');
}
