/**
 * Runs at most one read per key at a time and lets every caller that arrives meanwhile share the next read; an idle
 * key reads once the event loop has taken in the requests that arrived together (`setImmediate`). Each caller gets
 * the result of a read that started after it called, so coalescing never returns a stale answer: it only saves the
 * reads that would have run side by side.
 */
export class Coalescer<T> {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly waiting = new Map<string, Promise<T>>();

  run(key: string, read: () => Promise<T>): Promise<T> {
    const queued = this.waiting.get(key);
    if (queued) return queued;
    const current = this.inFlight.get(key);
    const gate = current ?? new Promise<void>((resolve) => setImmediate(resolve));
    const next = gate.then(() => this.start(key, read));
    this.waiting.set(key, next);
    return next;
  }

  private start(key: string, read: () => Promise<T>): Promise<T> {
    this.waiting.delete(key);
    const promise = read();
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.set(key, settled);
    void settled.then(() => {
      if (this.inFlight.get(key) === settled) this.inFlight.delete(key);
    });
    return promise;
  }
}
