#!/usr/bin/env node
// Runs before `npm start`, `npm run cli` and `npm run migrate`: compiles the TypeScript
// when dist/ is missing or older than any source, so a fresh clone needs no build step
// and a stale build never runs. Plain JavaScript because it must work before any build.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const sources = ['src', 'migrations', 'knexfile.ts', 'tsconfig.json', 'package.json'];
const marker = path.join(root, 'dist', 'src', 'server.js');

function newestMtime(target) {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) {
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

const built = fs.statSync(marker, { throwIfNoEntry: false });
const sourceTime = Math.max(...sources.map((s) => newestMtime(path.join(root, s))));
if (!built || built.mtimeMs < sourceTime) {
  process.stderr.write('seatshare: compiling TypeScript (dist/ is missing or stale)…\n');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const now = new Date();
  fs.utimesSync(marker, now, now); // tsc leaves unchanged files untouched; mark the build fresh
}
