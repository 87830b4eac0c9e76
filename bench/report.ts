// The bench's table, its ratios and targets (issues #6 and #18), and the JSON a later run compares with.
import fs from 'node:fs';
import path from 'node:path';
import type { LoadResult } from './load';

export interface Row extends LoadResult {
  name: string;
  server: string;
  /** The row this one is measured against (baseline or peer), at the same connections. */
  compareTo?: string;
}

export interface ScalePoint {
  tickets: number;
  results: LoadResult[];
}

export interface Report {
  at: string;
  machine: { cpus: number; node: string; platform: string };
  settings: { tickets: number; seconds: number; warmupSeconds: number; workers: number };
  rows: Row[];
  scale: ScalePoint[];
}

const find = (rows: Row[], name: string, connections: number) =>
  rows.find((row) => row.name === name && row.connections === connections);
const ratio = (a: number, b: number | undefined) => (b ? a / b : NaN);
const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

export interface Target {
  what: string;
  goal: string;
  measured: string;
  met: boolean;
}

/** A row with failures has no ratio: its req/s and latencies say nothing about the server. */
export const isValid = (row: Row | undefined): row is Row => row !== undefined && row.errors === 0 && row.requests > 0;
const invalid = (rows: (Row | undefined)[]) =>
  `invalid (${rows
    .filter((row): row is Row => row !== undefined && !isValid(row))
    .map((row) => `${row.name}: ${row.errors} failures, ${row.requests} successes`)
    .join('; ')})`;

/** A target comparing `value(mine) / value(theirs)` with a bound, or invalid when either row is. */
function compare(
  what: string,
  mine: Row | undefined,
  theirs: Row | undefined,
  value: (row: Row) => number,
  goal: { atLeast?: number; atMost?: number },
  unit = '',
): Target | undefined {
  if (!mine || !theirs) return undefined;
  const bound = goal.atLeast !== undefined ? `≥ ${fixed(goal.atLeast)} ×` : `≤ ${fixed(goal.atMost!)} ×`;
  if (!isValid(mine) || !isValid(theirs)) return { what, goal: bound, measured: invalid([mine, theirs]), met: false };
  const r = ratio(value(mine), value(theirs));
  const met = goal.atLeast !== undefined ? r >= goal.atLeast : r <= goal.atMost!;
  return { what, goal: bound, measured: `${fixed(r)} × (${value(mine)} vs ${value(theirs)}${unit})`, met };
}

/** The targets of issue #18 (and #6's latency at one connection), each a ratio within this run. */
export function targets(report: Report): Target[] {
  const row = (name: string, connections = 32) => find(report.rows, name, connections);
  const rps = (r: Row) => r.rps;
  const p99 = (r: Row) => r.p99;
  const list = 'GET /tickets?limit=50';
  const named = 'ticket list (baseline, named)';
  const persistentCode = 'code exchange (oidc-provider, PostgreSQL)';
  const out: (Target | undefined)[] = [
    compare('ticket list req/s vs the named bare list', row(list), row(named), rps, { atLeast: 0.8 }),
    compare('ticket list p99 vs the named bare list', row(list), row(named), p99, { atMost: 1.5 }, ' ms'),
    compare(
      'ticket list p50 at 1 conn vs the named bare list',
      row(list, 1),
      row(named, 1),
      (r) => r.p50,
      { atMost: 2 },
      ' ms',
    ),
    compare(
      'PATCH /tickets/:id req/s vs the write baseline',
      row('PATCH /tickets/:id'),
      row('ticket write (baseline)'),
      rps,
      {
        atLeast: 0.6,
      },
    ),
    compare(
      'PATCH /tickets/:id p99 vs the write baseline',
      row('PATCH /tickets/:id'),
      row('ticket write (baseline)'),
      p99,
      {
        atMost: 2,
      },
      ' ms',
    ),
    compare('code exchange req/s vs the persistent peer', row('POST /oauth/token (code)'), row(persistentCode), rps, {
      atLeast: 1,
    }),
    compare(
      "refresh req/s vs the persistent peer's code exchange",
      row('POST /oauth/token (refresh)'),
      row(persistentCode),
      rps,
      {
        atLeast: 1,
      },
    ),
    compare(
      'introspection req/s vs the persistent peer',
      row('POST /oauth/introspect'),
      row('introspection (oidc-provider, PostgreSQL)'),
      rps,
      {
        atLeast: 1,
      },
    ),
  ];
  if (report.scale.length >= 2) {
    const first = report.scale[0]!;
    const last = report.scale[report.scale.length - 1]!;
    const small = first.results.find((r) => r.connections === 1);
    const large = last.results.find((r) => r.connections === 1);
    // The mean at 1 connection: the median of a 3 ms request moves in steps too coarse for 1.2×.
    const asRow = (result: LoadResult | undefined, tickets: number) =>
      result && ({ ...result, name: `${tickets} tickets`, server: 'SeatShare' } satisfies Row);
    out.push(
      compare(
        `ticket list mean latency at 1 conn, ${last.tickets} vs ${first.tickets} tickets`,
        asRow(large, last.tickets),
        asRow(small, first.tickets),
        (r) => r.mean,
        { atMost: 1.2 },
        ' ms',
      ),
    );
  }
  return out.filter((t): t is Target => t !== undefined);
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Failures, and a mark when fixtures ran out (the row stopped early). */
const failures = (r: LoadResult) => `${r.errors}${r.exhaustedAfter !== undefined ? ' (ran out)' : ''}`;
const cpu = (n: number | null) => (n === null ? 'n/a' : `${n}%`);

export function printReport(
  report: Report,
  write: (text: string) => void = (text) => process.stdout.write(text),
): void {
  const { settings, machine } = report;
  write(
    `\nSeatShare bench — ${report.at}, ${machine.cpus} CPUs, Node ${machine.node}; ${settings.tickets} tickets, ${settings.workers} worker(s), ${settings.seconds} s measured after ${settings.warmupSeconds} s warm-up\n\n`,
  );
  write(
    table(
      ['request', 'conn', 'req/s', 'p50 ms', 'p99 ms', 'failures', 'server CPU', 'PG CPU', 'ratio', 'to'],
      report.rows.map((row) => {
        const other = row.compareTo ? find(report.rows, row.compareTo, row.connections) : undefined;
        // Throughput ratio at 32 connections, latency ratio (p50) at 1; none over a row with failures.
        const r = other ? (row.connections === 1 ? ratio(row.p50, other.p50) : ratio(row.rps, other.rps)) : NaN;
        return [
          row.name,
          String(row.connections),
          String(row.rps),
          String(row.p50),
          String(row.p99),
          failures(row),
          cpu(row.serverCpu),
          cpu(row.postgresCpu),
          other ? (isValid(row) && isValid(other) ? fixed(r) : 'invalid') : '',
          other ? (row.connections === 1 ? 'p50 vs ' : 'req/s vs ') + row.compareTo : '',
        ];
      }),
    ) + '\n',
  );
  const stopped = report.rows.filter((row) => row.exhaustedAfter !== undefined);
  for (const row of stopped)
    write(
      `(${row.name} @${row.connections}: its single-use fixtures ran out; measured over ${row.exhaustedAfter} s)\n`,
    );
  if (report.scale.length) {
    write('\nScale: GET /api/v1/tickets?limit=50\n');
    write(
      table(
        ['tickets', 'conn', 'req/s', 'mean ms', 'p50 ms', 'p99 ms', 'failures'],
        report.scale.flatMap((point) =>
          point.results.map((r) => [
            String(point.tickets),
            String(r.connections),
            String(r.rps),
            String(r.mean),
            String(r.p50),
            String(r.p99),
            failures(r),
          ]),
        ),
      ) + '\n',
    );
  }
  const goals = targets(report);
  if (goals.length) {
    write('\nTargets\n');
    write(
      table(
        ['target', 'goal', 'measured', ''],
        goals.map((t) => [t.what, t.goal, t.measured, t.met ? 'met' : 'MISSED']),
      ) + '\n',
    );
  }
}

export function writeReport(dir: string, report: Report): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${report.at.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ ...report, targets: targets(report) }, null, 2) + '\n');
  return file;
}
