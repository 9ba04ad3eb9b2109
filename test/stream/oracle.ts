/** An independent model of the expected `results`: integer cents, plain arrays, no code shared with the processor. */
export interface OracleEvent {
  readonly id: number;
  readonly sensor: string;
  readonly value: number;
  readonly ts: number;
}

export interface ExpectedWindow {
  readonly sensor: string;
  readonly avg: number;
  readonly count: number;
  readonly window: number;
  readonly firstId: number;
  readonly lastId: number;
  readonly fromTs: number;
  readonly toTs: number;
}

/** Cents of a value with at most 2 decimals, read from its printed form. */
function cents(value: number): number {
  const [int = '0', frac = ''] = Math.abs(value).toFixed(2).split('.');
  const c = Number(int) * 100 + Number(frac);
  if (Math.abs(c / 100 - Math.abs(value)) > 1e-9) throw new Error(`the oracle only models 2-decimal values, got ${value}`);
  return value < 0 ? -c : c;
}

/** Round half to even of total/count, in cents. */
function meanCents(total: number, count: number): number {
  const q = Math.floor(total / count);
  const r = total - q * count;
  if (2 * r > count || (2 * r === count && q % 2 !== 0)) return q + 1;
  return q;
}

/** Windows of `size` consecutive events per sensor, in the order the events were produced; partial windows are left out. */
export function expectedWindows(events: readonly OracleEvent[], size: number): ExpectedWindow[] {
  const open = new Map<string, OracleEvent[]>();
  const numbers = new Map<string, number>();
  const out: ExpectedWindow[] = [];
  for (const e of events) {
    const list = open.get(e.sensor) ?? [];
    list.push(e);
    open.set(e.sensor, list);
    if (list.length < size) continue;
    const window = (numbers.get(e.sensor) ?? 0) + 1;
    numbers.set(e.sensor, window);
    const total = list.reduce((s, x) => s + cents(x.value), 0);
    out.push({
      sensor: e.sensor,
      avg: meanCents(total, size) / 100,
      count: size,
      window,
      firstId: list[0]?.id ?? e.id,
      lastId: e.id,
      fromTs: Math.min(...list.map((x) => x.ts)),
      toTs: Math.max(...list.map((x) => x.ts)),
    });
    open.set(e.sensor, []);
  }
  return sortWindows(out);
}

export function sortWindows<T extends { sensor: string; window: number }>(windows: readonly T[]): T[] {
  return [...windows].sort((a, b) => (a.sensor === b.sensor ? a.window - b.window : a.sensor < b.sensor ? -1 : 1));
}
