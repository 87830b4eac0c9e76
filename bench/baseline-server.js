// The bench's baseline: a bare Express 5 route running one SQL statement (the ticket list's
// data statement, as the app sends it: same page, same ordering) and answering its rows — no
// authentication, policy or presentation. Same machine, database, worker count and pool size
// as the app. Plain JavaScript, started by bench/run.ts.
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
  const server = app.listen(Number(process.env.PORT));
  process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
}
