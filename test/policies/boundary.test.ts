// No API handler reaches a table except through the policy layer (issue #4). A source check:
//   - route, schema and presenter files under src/api touch no table at all;
//   - the data files (queries.ts, changes.ts, members.ts, …: all but routes, schemas and
//     presenters) read only through the visibility scopes of src/policies/scopes.ts: a table named directly must be a write (insert/update/delete)
//     in a function that takes an `Authorized<…>` record or the `Actor` it acts for, and raw
//     SQL must be a write or a subquery correlated to a row the scope already let through.
//
// And no page handler or protocol code reaches a table at all (issue #15): in src/web,
// src/oauth, src/users, src/auth and src/mail, SQL lives only in the data homes listed in DATA_HOMES;
// every other file there calls their named functions.
//
// And the protocol code does not depend on the pages (issue #15): no file under src/oauth imports
// from src/web. The consent page calls the protocol and hands the user's decision back, never
// the other way round.
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.join(__dirname, '../../src');
const API_DIR = path.join(SRC, 'api');
// Files that state routes, input, output or shared field types; every other file is a data file.
const ROUTE_SIDE = /^(routes|.*-routes|schema|presenter|fields|index)\.ts$/;
const isDataFile = (name: string) => !ROUTE_SIDE.test(name);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The statement starting at `index`: up to the `;` that ends it. */
const statementAt = (source: string, index: number) => source.slice(index, source.indexOf(';', index) + 1 || undefined);

/** The signature of the function that encloses `index`. */
function enclosingSignature(source: string, index: number): string {
  const start = source.lastIndexOf('function ', index);
  return start === -1 ? '' : source.slice(start, source.indexOf('{', start));
}

const TABLE_CALL = /\b(?:knex|trx|db)\s*(?:<[^>]*>)?\(\s*['"`]([a-z_]+)/g;
const RAW_CALL = /\.raw\(\s*`([^`]*)`|\.raw\(\s*'([^']*)'/g;
const BUILDER_ESCAPES = /\.(from|table|into|joinRaw|whereRaw|fromRaw)\(/g;
const WRITE = /\.(insert|update|delete|del)\(/;
const CORRELATED = /=\s*(g|e|t|u|a|m)\.id\b/;

export function boundaryViolations(file: string, source: string): string[] {
  const name = path.basename(file);
  const problems: string[] = [];
  for (const match of source.matchAll(TABLE_CALL)) {
    const where = `${file}: ${match[0]}`;
    if (!isDataFile(name)) problems.push(`${where}: table access outside a data file`);
    else if (!WRITE.test(statementAt(source, match.index)))
      problems.push(`${where}: a read that bypasses the visibility scopes`);
    else if (!/Authorized<|actor: Actor/.test(enclosingSignature(source, match.index)))
      problems.push(`${where}: a write without an authorized record or actor`);
  }
  for (const match of source.matchAll(RAW_CALL)) {
    const sql = (match[1] ?? match[2] ?? '').trim();
    const where = `${file}: raw SQL "${sql.slice(0, 40)}…"`;
    if (!isDataFile(name)) problems.push(`${where}: SQL outside a data file`);
    else if (/\bfrom\b/i.test(sql) && !/^(insert|update|delete)\b/i.test(sql) && !CORRELATED.test(sql))
      problems.push(`${where}: a read that bypasses the visibility scopes`);
  }
  for (const match of source.matchAll(BUILDER_ESCAPES)) {
    if (match[1] === 'whereRaw' || match[1] === 'joinRaw') continue; // conditions on an existing scope
    problems.push(`${file}: .${match[1]}(): queries start from a scope, not from a table`);
  }
  return problems;
}

// The folders outside src/api that reach tables, each with its data homes: the only files there
// that may hold a query. A new data module is added here, by name.
const DATA_HOMES: Record<string, string[]> = {
  oauth: ['store.ts', 'clients.ts', 'consents.ts'],
  web: ['session-store.ts'],
  users: ['users.ts'],
  auth: ['personal-tokens.ts'],
  mail: ['store.ts'],
  accounts: ['links.ts', 'passwords.ts', 'verification.ts', 'email-change.ts', 'deletion.ts'],
};

// Any query: a table call (`knex(…)`, `trx(…)`, `db(…)`, `this.knex(…)`), raw SQL, or a builder
// started from the connection. (`knex.transaction(…)` is not one: it runs named data functions.)
const QUERY =
  /\b(?:knex|trx|db)\s*(?:<[^>]*>)?\(|\.raw\(|\b(?:knex|trx|db)\.(?:select|from|table|into|insert|update|del|delete|with|queryBuilder)\(/g;

/** `file` relative to src (`web/developer-pages.ts`): a query in a file that is not a data home. */
export function dataHomeViolations(file: string, source: string): string[] {
  const [folder, ...rest] = file.split(/[\\/]/);
  if (DATA_HOMES[folder!]?.includes(rest.join('/'))) return [];
  return [...source.matchAll(QUERY)].map(
    (match) =>
      `${file}: ${match[0]}…: a query outside the data homes of src/${folder} (${DATA_HOMES[folder!]?.join(', ')})`,
  );
}

describe('the data homes of src/oauth, src/web, src/users, src/auth and src/mail', () => {
  it('hold every query of those folders', () => {
    const files = Object.keys(DATA_HOMES).flatMap((folder) => sourceFiles(path.join(SRC, folder)));
    expect(files.length).toBeGreaterThan(15);
    const problems = files.flatMap((file) =>
      dataHomeViolations(path.relative(SRC, file), fs.readFileSync(file, 'utf8')),
    );
    expect(problems).toEqual([]);
  });

  it('names each data home that exists', () => {
    for (const [folder, homes] of Object.entries(DATA_HOMES)) {
      for (const home of homes) expect(fs.existsSync(path.join(SRC, folder, home))).toBe(true);
    }
  });

  it('catches a page handler or protocol file that queries, and lets the data homes and transactions be', () => {
    expect(
      dataHomeViolations(
        'web/developer-pages.ts',
        "const clients = await knex('oauth_clients').where({ owner_id: id });",
      ),
    ).toEqual([expect.stringContaining('a query outside the data homes of src/web')]);
    expect(dataHomeViolations('web/account-pages.ts', 'await trx<ClientRow>(table).del();')).toHaveLength(1);
    expect(
      dataHomeViolations('oauth/authorize.ts', "const row = await this.knex('oauth_clients').first();"),
    ).toHaveLength(1);
    expect(dataHomeViolations('oauth/token.ts', 'await knex.raw(`select 1`);')).toHaveLength(1);
    expect(dataHomeViolations('oauth/token.ts', "await req.db.select('*').from('oauth_tokens');")).toHaveLength(1);
    expect(dataHomeViolations('oauth/clients.ts', "return knex('oauth_clients').where({ owner_id: id });")).toEqual([]);
    expect(dataHomeViolations('web/session-store.ts', "this.knex('sessions').where({ sid }).del();")).toEqual([]);
    expect(
      dataHomeViolations('web/join-page.ts', 'await knex.transaction((trx) => joinWithCode(trx, actor, code));'),
    ).toEqual([]);
    expect(dataHomeViolations('oauth/protocol.ts', "Buffer.from(value, 'base64');")).toEqual([]);
  });
});

// A module specifier of an import, export … from, bare import, dynamic import or require.
const IMPORT =
  /\b(?:from|import)\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;

/** `file` relative to src (`oauth/authorize.ts`): an import of src/web from src/oauth. */
export function layerViolations(file: string, source: string): string[] {
  const from = file.split(path.sep).join('/');
  if (!from.startsWith('oauth/')) return [];
  return [...source.matchAll(IMPORT)]
    .map((match) => match[1] ?? match[2] ?? match[3] ?? '')
    .filter((specifier) => specifier.startsWith('.'))
    .filter((specifier) => /^web(\/|$)/.test(path.posix.join(path.posix.dirname(from), specifier)))
    .map((specifier) => `${from}: imports ${specifier}: the OAuth code must not depend on src/web`);
}

describe('the direction of imports between src/oauth and src/web', () => {
  it('holds: no file under src/oauth imports from src/web', () => {
    const files = sourceFiles(path.join(SRC, 'oauth'));
    expect(files.length).toBeGreaterThan(10);
    const problems = files.flatMap((file) => layerViolations(path.relative(SRC, file), fs.readFileSync(file, 'utf8')));
    expect(problems).toEqual([]);
  });

  it('catches every form of such an import, and lets web import oauth', () => {
    for (const line of [
      "import { renderPage } from '../web/render';",
      "import type { PageLocals } from '../web/render';",
      "export { csrfToken } from '../web/csrf';",
      "import '../web/csrf';",
      "const render = await import('../web/render');",
      "const csrf = require('../web/csrf');",
      "import { x } from '../oauth/../web/x';",
    ])
      expect({ line, problems: layerViolations('oauth/authorize.ts', line) }).toEqual({
        line,
        problems: [expect.stringContaining('must not depend on src/web')],
      });
    expect(layerViolations('oauth/sub/x.ts', "import { y } from '../../web';")).toHaveLength(1);
    expect(layerViolations('oauth/authorize.ts', "import { findClient } from './clients';")).toEqual([]);
    expect(layerViolations('oauth/authorize.ts', "import { web } from './web-ish';")).toEqual([]);
    expect(layerViolations('oauth/authorize.ts', "import express from 'express';")).toEqual([]);
    expect(
      layerViolations('web/consent-page.ts', "import { authorizationEndpoint } from '../oauth/authorize';"),
    ).toEqual([]);
  });
});

describe('the policy boundary of src/api', () => {
  it('holds for every file', () => {
    const files = sourceFiles(API_DIR);
    expect(files.length).toBeGreaterThan(10);
    const problems = files.flatMap((file) =>
      boundaryViolations(path.relative(API_DIR, file), fs.readFileSync(file, 'utf8')),
    );
    expect(problems).toEqual([]);
  });

  it('catches a route that reads a table, a data file that reads around the scopes, an unauthorized write, and raw reads', () => {
    expect(boundaryViolations('x/routes.ts', "await knex('tickets').where({ id }).first();")).toHaveLength(1);
    expect(
      boundaryViolations(
        'x/queries.ts',
        "export async function f(db: Knex, id: string) { return db('tickets').where({ id }).first(); }",
      ),
    ).toEqual([expect.stringContaining('bypasses the visibility scopes')]);
    expect(
      boundaryViolations(
        'x/queries.ts',
        "export async function f(db: Knex, id: string) { await db('tickets').where({ id }).delete(); }",
      ),
    ).toEqual([expect.stringContaining('without an authorized record')]);
    expect(
      boundaryViolations(
        'x/queries.ts',
        'function f(db) { return db.raw(`select * from tickets where id = ?`, [id]); }',
      ),
    ).toHaveLength(1);
    expect(
      boundaryViolations('x/queries.ts', "function f(db) { return db.select('*').from('tickets'); }"),
    ).toHaveLength(1);
    expect(
      boundaryViolations(
        'x/queries.ts',
        "export async function f(db: Knex, t: Authorized<TicketRow>) { await db('tickets').where({ id: t.id }).delete(); }",
      ),
    ).toEqual([]);
  });
});

// Resources meet only at their public surface (issue #15): a file in src/api/v1/<a>/ imports from
// src/api/v1/<b>/ only b's presenter.ts (its rows and views), schema.ts (its input contract) and
// public.ts (what it offers other resources, e.g. tickets' recordDeletions); never b's routes,
// queries or other internals.
const RESOURCE_SURFACE = ['presenter', 'schema', 'public'];
const SPECIFIER = /\b(?:from|import)\s*['"](\.[^'"]*)['"]|\b(?:import|require)\(\s*['"](\.[^'"]*)['"]\s*\)/g;

const V1 = path.join(API_DIR, 'v1');
const RESOURCES = new Set(
  fs
    .readdirSync(V1, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name),
);

/** `file` relative to src/api/v1 (`events/routes.ts`): its imports of another resource's internals. */
export function resourceImportViolations(file: string, source: string): string[] {
  const from = file.split(path.sep).join('/');
  const resource = from.split('/')[0]!;
  if (!RESOURCES.has(resource)) return []; // v1's own files (index.ts, fields.ts, views.ts) join the resources
  return [...source.matchAll(SPECIFIER)]
    .map((match) => match[1] ?? match[2] ?? '')
    .filter((specifier) => {
      const [other, ...rest] = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)).split('/');
      if (!RESOURCES.has(other!) || other === resource) return false;
      return !(rest.length === 1 && RESOURCE_SURFACE.includes(rest[0]!.replace(/\.[jt]s$/, '')));
    })
    .map(
      (specifier) =>
        `${from}: imports ${specifier}: another resource's internals (only ${RESOURCE_SURFACE.join(', ')})`,
    );
}

it("keeps every API resource to the others' public surface: presenter.ts, schema.ts, public.ts", () => {
  const files = sourceFiles(V1);
  expect(files.length).toBeGreaterThan(20);
  const problems = files.flatMap((file) =>
    resourceImportViolations(path.relative(V1, file), fs.readFileSync(file, 'utf8')),
  );
  expect(problems).toEqual([]);
  // The check itself: it catches each form of reaching in, and lets the surface and the rest be.
  for (const line of [
    "import { findGroup } from '../groups/queries';",
    "import { recordDeletions } from '../tickets/history';",
    "export { findGroup } from '../groups/queries';",
    "import type { TicketRow } from '../tickets/changes';",
    "import '../groups/routes';",
    "const { findGroup } = await import('../groups/queries');",
    "import { findGroup } from '../groups';",
    "import { x } from '../events/../groups/queries';",
  ])
    expect({ line, problems: resourceImportViolations('events/routes.ts', line) }).toEqual({
      line,
      problems: [expect.stringContaining("another resource's internals")],
    });
  for (const line of [
    "import { findGroup } from '../groups/public';",
    "import type { GroupRow } from '../groups/presenter';",
    "import { showValues } from '../events/schema';",
    "import { findEvent } from './queries';",
    "import { reference } from '../fields';",
    "import { named } from '../views';",
    "import { authorize } from '../../../policies/authorize';",
    "import { z } from 'zod';",
  ])
    expect({ line, problems: resourceImportViolations('tickets/routes.ts', line) }).toEqual({ line, problems: [] });
  expect(resourceImportViolations('index.ts', "import { ticketRoutes } from './tickets/routes';")).toEqual([]);
});
