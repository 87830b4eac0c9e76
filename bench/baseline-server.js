// The bench's baseline: bare Express 5 routes doing only the database work of two SeatShare
// requests — no authentication, policy, validation beyond the body's type, or presentation.
// Same machine, database, worker count and pool size as the app. Plain JavaScript, started by
// bench/run.ts.
//   GET /tickets, GET /tickets-named: the ticket list's one data statement, as the app sends it
//     (same page, same ordering), unnamed and named; answers its rows.
//   PATCH /tickets/:id {"note": "…"}: the least a ticket change must do — one transaction on one
//     pooled connection: the UPDATE (returning the row) and its ticket_history row; answers the
//     updated row, 404 when there is none.
//   GET /readyz.
// Env: PORT, DATABASE_URL, WEB_CONCURRENCY (worker processes, default 1: serve from this
// process), DB_POOL_MAX (connections per worker, default 2), BASELINE_STATEMENT (a JSON file
// {sql, bindings}: the list statement), BASELINE_USER_ID (the actor recorded in ticket_history).
'use strict';
const cluster = require('node:cluster');
const fs = require('node:fs');
const express = require('express');
const { Pool, types } = require('pg');

types.setTypeParser(20, Number); // int8 as the app parses it

const workers = Number(process.env.WEB_CONCURRENCY || 1);
if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const { sql, bindings } = JSON.parse(fs.readFileSync(process.env.BASELINE_STATEMENT, 'utf8'));
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_MAX || 2) });
  const app = express();
  app.get('/readyz', (_req, res) => res.json({ status: 'ok' }));
  // Unnamed, as a bare pg harness sends it (planned on every run) …
  app.get('/tickets', async (_req, res) => {
    const { rows } = await pool.query(sql, bindings);
    res.json(rows);
  });
  // … and named (prepared once per connection), as the app sends its hot reads.
  app.get('/tickets-named', async (_req, res) => {
    const { rows } = await pool.query({ name: 'tickets', text: sql, values: bindings });
    res.json(rows);
  });

  // PATCH /api/v1/tickets/:id on a note, reduced to its writes. Named statements, like the
  // app's hot statements, so each pooled connection plans them once.
  const actorId = process.env.BASELINE_USER_ID;
  // The history row records {note: [old, new]} as the app does, so the old note is read in the
  // same statement: the CTE locks the row (FOR UPDATE, as the app's own read before a change
  // does) and so sees the latest committed note even when another request just changed it.
  const updateTicket = {
    name: 'baseline_update_ticket',
    text: `with old as (select id, note from tickets where id = $2 for update)
           update tickets t set note = $1, updated_at = now() from old where t.id = old.id
           returning t.id, t.group_id, t.event_id, t.owner_id, t.assignee_id, t.alias_id, t.section, t.row,
                     t.seat, t.cost, t.note, t.created_at, t.updated_at, t.version, old.note as old_note`,
  };
  const insertHistory = {
    name: 'baseline_insert_history',
    text: `insert into ticket_history (ticket_id, group_id, actor_id, action, changes)
           values ($1, $2, $3, 'updated', $4)`,
  };
  app.patch('/tickets/:id', express.json(), async (req, res) => {
    const note = req.body?.note;
    if (typeof note !== 'string') return void res.status(400).json({ error: 'note must be a string' });
    const client = await pool.connect();
    let broken; // a connection whose ROLLBACK failed is not given back to the pool
    try {
      await client.query('BEGIN');
      const { rows } = await client.query({ ...updateTicket, values: [note, req.params.id] });
      if (rows.length === 0) {
        await client.query('ROLLBACK');
        return void res.status(404).json({ error: 'not found' });
      }
      const { old_note: oldNote, ...ticket } = rows[0];
      await client.query({
        ...insertHistory,
        values: [ticket.id, ticket.group_id, actorId, JSON.stringify({ note: [oldNote, note] })],
      });
      await client.query('COMMIT');
      res.json(ticket);
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError) => (broken = rollbackError));
      // An id that is not a uuid names no ticket (the app answers 404 before any SQL).
      if (error.code === '22P02') return void res.status(404).json({ error: 'not found' });
      throw error;
    } finally {
      client.release(broken);
    }
  });

  const server = app.listen(Number(process.env.PORT));
  process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
}
