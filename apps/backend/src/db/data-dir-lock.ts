import { open, readFile, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';

/** What a lock file records about the process that holds the data directory. */
export interface LockOwner {
  readonly pid: number;
  /** Its command line, as /proc shows it (or node's argv elsewhere). */
  readonly command: string;
  readonly since: string;
}

export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `the embedded database directory ${dataDir} is in use by process ${owner.pid} (${owner.command}), since ${owner.since}. ` +
        'PGlite allows one process per directory: stop that process (such as the other `pnpm dev`), ' +
        `or give this one its own directory with PGLITE_DATA_DIR=<dir>, or use a server with DATABASE_URL. ` +
        `If process ${owner.pid} is not a backend, remove ${dataDir}.lock.`,
    );
  }
}

async function commandOf(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean).join(' ');
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isInteger(owner.pid) && typeof owner.command === 'string' && typeof owner.since === 'string') {
      return owner as LockOwner;
    }
  } catch {}
  return undefined;
}

/**
 * Whether the recorded owner still runs: its pid is alive and, where /proc shows it, runs the same command (a pid
 * reused by another program after a crash or a reboot is not the owner).
 */
async function stillOwns(owner: LockOwner): Promise<boolean> {
  if (!alive(owner.pid)) return false;
  const now = await commandOf(owner.pid);
  return now === undefined || now === owner.command;
}

/**
 * An exclusive lock on a data directory: the file `<dataDir>.lock` next to it, created with O_EXCL and holding the
 * owner's pid and command. A lock whose owner no longer runs is stale and taken over.
 */
export class DataDirLock {
  static async acquire(dataDir: string): Promise<DataDirLock> {
    const file = `${resolve(dataDir)}.lock`;
    const owner: LockOwner = {
      pid: process.pid,
      command: (await commandOf(process.pid)) ?? process.argv.join(' '),
      since: new Date().toISOString(),
    };
    const text = `${JSON.stringify(owner)}\n`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const handle = await open(file, 'wx', 0o644);
        await handle.writeFile(text);
        await handle.close();
        return new DataDirLock(file, text);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const current = parseOwner(await readFile(file, 'utf8').catch(() => ''));
      if (current && current.pid !== process.pid && (await stillOwns(current))) throw new DataDirInUseError(dataDir, current);
      await unlink(file).catch(() => undefined);
    }
    throw new Error(`cannot lock ${dataDir}: ${file} keeps reappearing`);
  }

  private constructor(
    /** The lock file. */
    readonly file: string,
    private readonly text: string,
  ) {}

  /** Removes the lock file, unless another process has taken it over meanwhile. */
  async release(): Promise<void> {
    const current = await readFile(this.file, 'utf8').catch(() => undefined);
    if (current === this.text) await unlink(this.file).catch(() => undefined);
  }
}
