// Events, the seats for them, and every change to a seat.
import type { Knex } from 'knex';
import { lengthCheck, timestamps, uuidPrimaryKey } from '../src/db/migration-helpers';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('events', (t) => {
    uuidPrimaryKey(knex, t);
    t.uuid('group_id').notNullable().references('id').inTable('groups').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.timestamp('start_time', { useTz: true }).notNullable();
    t.boolean('date_tba').notNullable().defaultTo(false);
    t.boolean('time_tba').notNullable().defaultTo(false);
    timestamps(knex, t);
    t.unique(['group_id', 'id']); // target of tickets' (group_id, event_id): a ticket's event is in its group
    t.index(['group_id', 'start_time', 'id']); // GET /events (?group_id, ?show) ordered by start time
    t.check(lengthCheck('name', 1, 200), [], 'events_name_length');
    t.check('char_length(description) <= 5000', [], 'events_description_length');
  });

  // Seats sort naturally ("9" before "10"): each digit run is left-padded so that plain text
  // order is natural order. Immutable, so it can feed stored generated columns and indexes.
  await knex.raw(`
    create function natural_sort_key(value text) returns text
    language sql immutable strict parallel safe
    return coalesce(
      (select string_agg(case when part[1] ~ '^[0-9]' then lpad(part[1], 20, '0') else lower(part[1]) end, '' order by n)
         from regexp_matches(value, '([0-9]+|[^0-9]+)', 'g') with ordinality as parts(part, n)),
      '')`);

  await knex.schema.createTable('tickets', (t) => {
    uuidPrimaryKey(knex, t);
    t.uuid('group_id').notNullable().references('id').inTable('groups').onDelete('CASCADE');
    t.uuid('event_id').notNullable();
    t.uuid('owner_id').notNullable();
    t.uuid('assignee_id'); // null: the seat is available
    t.uuid('alias_id').references('id').inTable('user_aliases').onDelete('SET NULL').index();
    t.text('section').notNullable().defaultTo('');
    t.text('row').notNullable().defaultTo('');
    t.text('seat').notNullable().defaultTo('');
    // Collation "C" so the order is the same on every server, whatever its locale (PGlite
    // sorts as C; a Debian cluster made under en_US would otherwise ignore spaces and dashes).
    t.specificType('section_sort', 'text collate "C" generated always as (natural_sort_key(section)) stored');
    t.specificType('row_sort', 'text collate "C" generated always as (natural_sort_key("row")) stored');
    t.specificType('seat_sort', 'text collate "C" generated always as (natural_sort_key(seat)) stored');
    t.decimal('cost', 10, 2).notNullable().defaultTo(0);
    t.text('note').notNullable().defaultTo('');
    timestamps(knex, t);
    // Deleting an event (with ?force=true) takes its tickets along.
    t.foreign(['group_id', 'event_id']).references(['group_id', 'id']).inTable('events').onDelete('CASCADE');
    // The owner is a member of the ticket's group; a member who leaves loses their tickets.
    t.foreign(['group_id', 'owner_id']).references(['group_id', 'user_id']).inTable('memberships').onDelete('CASCADE');
    t.check('cost >= 0', [], 'tickets_cost_not_negative');
    t.check("btrim(section) <> '' or btrim(\"row\") <> '' or btrim(seat) <> ''", [], 'tickets_has_a_place');
    t.check(
      'char_length(section) <= 20 and char_length("row") <= 20 and char_length(seat) <= 20',
      [],
      'tickets_place_length',
    );
    t.check('char_length(note) <= 5000', [], 'tickets_note_length');
    // GET /tickets?event_id=… in natural seat order.
    t.index(['event_id', 'section_sort', 'row_sort', 'seat_sort', 'id'], 'tickets_event_seat_order_index');
    t.index(['group_id', 'event_id'], 'tickets_group_event_index'); // ?group_id=…
    t.index(['owner_id', 'group_id'], 'tickets_owner_index'); // ?owner=me, and member removal
    t.index(['assignee_id', 'group_id'], 'tickets_assignee_index'); // ?assignee=me, and member removal
  });
  // The assignee is a member of the ticket's group; when they leave, the seat becomes
  // available (only assignee_id is cleared: PostgreSQL 15's column list for SET NULL).
  await knex.raw(`
    alter table tickets add constraint tickets_assignee_membership_foreign
      foreign key (group_id, assignee_id) references memberships (group_id, user_id)
      on delete set null (assignee_id)`);
  // ?available=true: the unassigned seats of an event.
  await knex.raw('create index tickets_available_index on tickets (event_id) where assignee_id is null');

  await knex.schema.createTable('ticket_history', (t) => {
    uuidPrimaryKey(knex, t);
    // The audit row outlives its ticket (a removed member's tickets are deleted, and that is
    // recorded), so the link is cleared rather than cascaded; the group still owns the row.
    t.uuid('ticket_id').references('id').inTable('tickets').onDelete('SET NULL');
    t.uuid('group_id').notNullable().references('id').inTable('groups').onDelete('CASCADE');
    t.uuid('actor_id').references('id').inTable('users').onDelete('SET NULL').index();
    t.text('action').notNullable();
    t.jsonb('changes').notNullable().defaultTo('{}'); // {field: [old, new]}
    t.text('message');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(
      "action in ('created', 'updated', 'assigned', 'unassigned', 'requested', 'deleted')",
      [],
      'ticket_history_action_valid',
    );
    t.check('message is null or char_length(message) <= 5000', [], 'ticket_history_message_length');
    t.index(['group_id', 'created_at']);
  });
  // GET /tickets/:id/history, newest first.
  await knex.raw('create index ticket_history_ticket_index on ticket_history (ticket_id, created_at desc, id desc)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ticket_history');
  await knex.schema.dropTable('tickets');
  await knex.raw('drop function natural_sort_key(text)');
  await knex.schema.dropTable('events');
}
