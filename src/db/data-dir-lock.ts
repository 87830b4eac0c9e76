// The embedded database belongs to one process (PGlite has no cross-process locking, and two
// writers corrupt it). The owner's pid is in DATA_DIR/seatshare.lock. Taking the lock is one
// atomic step: the pid is written to a private file first, then hard-linked into place, which
// fails if the lock exists — so nobody ever reads a half-written lock. A lock whose process is
// gone is stale: it is renamed aside (atomic, so only one contender wins) and taken.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The data folder ${dataDir} is in use by another SeatShare process${pid > 0 ? ` (pid ${pid})` : ''}. ` +
        'Stop the server first, or point both at PostgreSQL with DATABASE_URL.',
    );
    this.name = 'DataDirInUseError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock or throws DataDirInUseError at once; returns the function that releases it. */
export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, 'seatshare.lock');
  const mine = `${lockFile}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(mine, String(process.pid));
  try {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        fs.linkSync(mine, lockFile);
        const release = () => {
          process.removeListener('exit', release);
          if (readPid(lockFile) === process.pid) fs.rmSync(lockFile, { force: true });
        };
        process.on('exit', release); // also on crashes that still run exit handlers
        return release;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readPid(lockFile);
      if (holder === undefined || holder === process.pid || isAlive(holder)) {
        throw new DataDirInUseError(dataDir, holder ?? 0);
      }
      // Stale. Rename it aside; if what we moved is not the stale lock we saw (another process
      // took over meanwhile), put it back and give up.
      const aside = `${lockFile}.stale.${process.pid}`;
      try {
        fs.renameSync(lockFile, aside);
      } catch {
        continue; // someone else moved it first: try again
      }
      const moved = readPid(aside);
      if (moved !== holder) {
        try {
          fs.linkSync(aside, lockFile);
        } catch {
          // the lock was re-taken meanwhile; its holder keeps it
        }
        fs.rmSync(aside, { force: true });
        throw new DataDirInUseError(dataDir, moved ?? 0);
      }
      fs.rmSync(aside, { force: true });
    }
    throw new DataDirInUseError(dataDir, readPid(lockFile) ?? 0);
  } finally {
    fs.rmSync(mine, { force: true });
  }
}
