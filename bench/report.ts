// The bench's table, its ratios and targets (issue #6), and the JSON a later run compares with.
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

export function targets(report: Report): Target[] {
  const out: Target[] = [];
  const list32 = find(report.rows, 'GET /tickets?limit=50', 32);
  const list1 = find(report.rows, 'GET /tickets?limit=50', 1);
  // Against both baselines: the bare harness as such (unnamed statement, planned every time)
  // and the same harness sending it named, as the app does.
  for (const baseline of ['ticket list (baseline)', 'ticket list (baseline, named)']) {
    const base32 = find(report.rows, baseline, 32);
    const base1 = find(report.rows, baseline, 1);
    if (list32 && base32) {
      const r = ratio(list32.rps, base32.rps);
      out.push({
        what: `ticket list req/s, 32 conn, vs ${baseline}`,
        goal: '≥ 0.60 ×',
        measured: `${fixed(r)} ×`,
        met: r >= 0.6,
      });
      const p = ratio(list32.p99, base32.p99);
      out.push({
        what: `ticket list p99, 32 conn, vs ${baseline}`,
        goal: '≤ 1.5 ×',
        measured: `${fixed(p)} ×`,
        met: p <= 1.5,
      });
    }
    if (list1 && base1) {
      const r = ratio(list1.p50, base1.p50);
      out.push({
        what: `ticket list p50, 1 conn, vs ${baseline}`,
        goal: '≤ 2 ×',
        measured: `${fixed(r)} × (${list1.p50} vs ${base1.p50} ms)`,
        met: r <= 2,
      });
    }
  }
  if (report.scale.length >= 2) {
    const small = report.scale[0]!.results.find((r) => r.connections === 1);
    const large = report.scale[report.scale.length - 1]!.results.find((r) => r.connections === 1);
    if (small && large) {
      // The mean at 1 connection: p50 is in whole milliseconds, too coarse for a 3 ms request.
      const r = ratio(large.mean, small.mean);
      out.push({
        what: `ticket list mean latency, ${report.scale[report.scale.length - 1]!.tickets} vs ${report.scale[0]!.tickets} tickets`,
        goal: '≤ 1.2 ×',
        measured: `${fixed(r)} × (${large.mean} vs ${small.mean} ms)`,
        met: r <= 1.2,
      });
    }
  }
  for (const [mine, peer, what] of [
    ['POST /oauth/token (code)', 'code exchange (oidc-provider)', 'code exchange'],
    ['POST /oauth/introspect', 'introspection (oidc-provider)', 'introspection'],
  ] as const) {
    const a = find(report.rows, mine, 32);
    const b = find(report.rows, peer, 32);
    if (a && b) {
      const r = ratio(a.rps, b.rps);
      out.push({
        what: `${what} throughput`,
        goal: '≥ 0.50 × oidc-provider',
        measured: `${fixed(r)} ×`,
        met: r >= 0.5,
      });
    }
  }
  return out;
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

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
      ['request', 'conn', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU', 'PG CPU', 'ratio', 'to'],
      report.rows.map((row) => {
        const other = row.compareTo ? find(report.rows, row.compareTo, row.connections) : undefined;
        // Throughput ratio at 32 connections, latency ratio (p50) at 1.
        const r = other ? (row.connections === 1 ? ratio(row.p50, other.p50) : ratio(row.rps, other.rps)) : NaN;
        return [
          row.name,
          String(row.connections),
          String(row.rps),
          String(row.p50),
          String(row.p99),
          String(row.errors),
          cpu(row.serverCpu),
          cpu(row.postgresCpu),
          fixed(r),
          other ? (row.connections === 1 ? 'p50 vs ' : 'req/s vs ') + row.compareTo : '',
        ];
      }),
    ) + '\n',
  );
  if (report.scale.length) {
    write('\nScale: GET /api/v1/tickets?limit=50\n');
    write(
      table(
        ['tickets', 'conn', 'req/s', 'mean ms', 'p50 ms', 'p99 ms', 'errors'],
        report.scale.flatMap((point) =>
          point.results.map((r) => [
            String(point.tickets),
            String(r.connections),
            String(r.rps),
            String(r.mean),
            String(r.p50),
            String(r.p99),
            String(r.errors),
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
