export interface BatcherProps<I, O> {
  /** Handles a batch; must answer one result per item, in the same order. */
  readonly flush: (items: readonly I[]) => Promise<readonly O[]>;
  /** Most items in one batch. @default 100 */
  readonly maxBatch?: number;
}

interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (o: O) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Group commit: an item waits while a batch is in flight, and every item that arrived meanwhile goes out together in
 * the next batch. With no batch in flight an item goes out as soon as the event loop has taken in the other requests
 * that arrived with it (`setImmediate`), so a lone request is not held back.
 */
export class Batcher<I, O> {
  private readonly flushBatch: (items: readonly I[]) => Promise<readonly O[]>;
  private readonly maxBatch: number;
  private queue: Pending<I, O>[] = [];
  private busy = false;

  constructor(props: BatcherProps<I, O>) {
    const maxBatch = props.maxBatch ?? 100;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError("'maxBatch' must be an integer of at least 1");
    this.flushBatch = props.flush;
    this.maxBatch = maxBatch;
  }

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.busy) {
        this.busy = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.maxBatch);
      this.queue = this.queue.slice(batch.length);
      try {
        const results = await this.flushBatch(batch.map((p) => p.item));
        if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} gave ${results.length} results`);
        for (const [i, p] of batch.entries()) p.resolve(results[i] as O);
      } catch (e) {
        for (const p of batch) p.reject(e);
      }
    }
    this.busy = false;
  }
}
