// CPU time from /proc (Linux): a process tree (the server and its cluster workers) and every
// PostgreSQL process on this machine. null where /proc cannot tell (another OS, a remote
// database).
import fs from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function stat(pid: number): { ppid: number; comm: string; ticks: number } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // fields[0] is state; ppid is field 4 of stat (index 1 here); utime, stime are 14 and 15.
    return { ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  try {
    return fs
      .readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

export interface CpuSnapshot {
  server: Map<number, number>;
  postgres: Map<number, number>;
}

/** Ticks per process: the trees under `roots` (the server and its workers), and PostgreSQL. */
export function cpuSnapshot(roots: number[]): CpuSnapshot | null {
  if (!fs.existsSync('/proc/self/stat')) return null;
  const stats = new Map(allPids().map((pid) => [pid, stat(pid)] as const));
  const tree = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, s] of stats) {
      if (s && !tree.has(pid) && tree.has(s.ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  const server = new Map<number, number>();
  const postgres = new Map<number, number>();
  for (const [pid, s] of stats) {
    if (!s) continue;
    if (tree.has(pid)) server.set(pid, s.ticks);
    if (s.comm === 'postgres') postgres.set(pid, s.ticks);
  }
  return { server, postgres };
}

/**
 * CPU seconds spent between two snapshots, per process present at the end (a process that
 * started meanwhile counts from zero; one that ended is lost, so this never goes negative).
 */
export function cpuSpent(
  before: CpuSnapshot | null,
  after: CpuSnapshot | null,
): { server: number | null; postgres: number | null } {
  if (!before || !after) return { server: null, postgres: null };
  const spent = (a: Map<number, number>, b: Map<number, number>) => {
    let ticks = 0;
    for (const [pid, t] of b) ticks += Math.max(0, t - (a.get(pid) ?? 0));
    return ticks / TICKS_PER_SECOND;
  };
  return {
    server: spent(before.server, after.server),
    postgres: after.postgres.size ? spent(before.postgres, after.postgres) : null,
  };
}
