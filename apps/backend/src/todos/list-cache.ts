import { createHash } from 'node:crypto';

/** A list answer ready to send, valid for as long as the database snapshot it was read in is current. */
export interface CachedList {
  /** `pg_current_snapshot()` of the statement that read the list. */
  readonly snapshot: string;
  readonly body: Buffer;
  readonly etag: string;
}

/**
 * The last list answer per collection URL. PostgreSQL reports the same snapshot (`xmin:xmax:xip`) twice only if no
 * transaction started writing or finished in between, so an equal snapshot proves the list is unchanged; any write,
 * on any replica, changes it. The cache is cleared whenever the pool opens a new connection, so that a failover to
 * another server cannot match an old snapshot.
 */
export class ListCache {
  private readonly entries = new Map<string, CachedList>();

  constructor(
    /** Most collection URLs remembered at once. @default 16 */
    private readonly maxEntries = 16,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError("'maxEntries' must be an integer of at least 1");
  }

  get(collectionUrl: string): CachedList | undefined {
    return this.entries.get(collectionUrl);
  }

  /** Remembers the list read in `snapshot` and returns it ready to send. */
  set(collectionUrl: string, snapshot: string, json: string): CachedList {
    const body = Buffer.from(json);
    const entry: CachedList = { snapshot, body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
    if (!this.entries.has(collectionUrl) && this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(collectionUrl, entry);
    return entry;
  }

  clear(): void {
    this.entries.clear();
  }
}
