import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirInUseError, DataDirLock } from './data-dir-lock.ts';

const dataDir = () => join(mkdtempSync(join(tmpdir(), 'lock-')), 'pglite');

/** The pid of a process that has exited: nothing runs under it (until the kernel reuses it). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('DataDirLock', () => {
  it('writes its pid and command next to the directory and removes the file on release', async () => {
    const dir = dataDir();
    const lock = await DataDirLock.acquire(dir);
    expect(lock.file).toBe(`${dir}.lock`);
    const owner = JSON.parse(readFileSync(lock.file, 'utf8'));
    expect(owner.pid).toBe(process.pid);
    expect(owner.command).toContain('node');
    await lock.release();
    expect(existsSync(lock.file)).toBe(false);
  });

  it('refuses a directory a running process holds, naming it and what to do', async () => {
    const dir = dataDir();
    const parent = process.ppid;
    const command = readFileSync(`/proc/${parent}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid: parent, command, since: '2026-01-01T00:00:00.000Z' }));
    const error = await DataDirLock.acquire(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataDirInUseError);
    expect((error as Error).message).toContain(`is in use by process ${parent} (${command})`);
    expect((error as Error).message).toMatch(/PGLITE_DATA_DIR=<dir>.*DATABASE_URL/);
  });

  it('takes over a stale lock: a dead pid, a pid now running another command, or garbage', async () => {
    for (const content of [
      JSON.stringify({ pid: deadPid(), command: 'node src/main.ts', since: 'x' }),
      JSON.stringify({ pid: process.ppid, command: 'not what that process runs', since: 'x' }),
      'not json',
    ]) {
      const dir = dataDir();
      writeFileSync(`${dir}.lock`, content);
      const lock = await DataDirLock.acquire(dir);
      expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
      await lock.release();
    }
  });

  it('leaves a lock another process has taken over in place on release', async () => {
    const dir = dataDir();
    const lock = await DataDirLock.acquire(dir);
    writeFileSync(lock.file, JSON.stringify({ pid: 1, command: 'init', since: 'x' }));
    await lock.release();
    expect(existsSync(lock.file)).toBe(true);
  });
});
