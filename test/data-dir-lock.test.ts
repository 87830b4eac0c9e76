// The embedded database's lock: one holder, whatever the timing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { DataDirInUseError, lockDataDir } from '../src/db/data-dir-lock';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'seatshare-lock-'));

describe('lockDataDir', () => {
  it('gives the lock to one holder, and again once released', () => {
    const dir = tmp();
    const release = lockDataDir(dir);
    expect(fs.readFileSync(path.join(dir, 'seatshare.lock'), 'utf8')).toBe(String(process.pid));
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    release();
    expect(fs.existsSync(path.join(dir, 'seatshare.lock'))).toBe(false);
    lockDataDir(dir)();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('treats an empty lock file as held (a lock being written), and a dead pid as stale', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'seatshare.lock'), '');
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    fs.writeFileSync(path.join(dir, 'seatshare.lock'), '999999');
    lockDataDir(dir)();
  });

  it('lets exactly one of several processes starting together hold it, also over a stale lock', async () => {
    for (const stale of [false, true]) {
      const dir = tmp();
      if (stale) fs.writeFileSync(path.join(dir, 'seatshare.lock'), '999999');
      // The holder keeps the lock until every contender has answered (its stdin closes then):
      // a holder that left after a fixed time would free the lock for a slow starter.
      const script = `
        const { lockDataDir } = require(${JSON.stringify(path.resolve('src/db/data-dir-lock.ts'))});
        try { lockDataDir(${JSON.stringify(dir)}); console.log('held'); process.stdin.resume(); }
        catch (e) { console.log('refused'); }`;
      const children = Array.from({ length: 6 }, () => spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script]));
      const closed = children.map((child) => new Promise((resolve) => child.on('close', resolve)));
      const outcomes = await Promise.all(
        children.map(
          (child) =>
            new Promise<string>((resolve) => {
              let out = '';
              child.stdout.on('data', (chunk) => {
                out += chunk;
                if (out.includes('\n')) resolve(out.trim());
              });
              child.on('close', () => resolve(out.trim()));
            }),
        ),
      );
      for (const child of children) child.stdin.end();
      await Promise.all(closed);
      expect(outcomes.filter((o) => o === 'held')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'refused')).toHaveLength(5);
    }
  }, 30_000);
});
