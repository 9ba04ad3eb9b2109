/** The days a batch run recomputes: `[from, to)`, both at 00:00 UTC. */
export interface Period {
  readonly from: Date;
  readonly to: Date;
}

export class PeriodError extends Error {
  override readonly name = 'PeriodError';
  readonly retriable = false;
}

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseDay(name: string, text: string): Date {
  const day = new Date(`${text}T00:00:00Z`);
  if (!DATE.test(text) || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== text) {
    throw new PeriodError(`'${name}' must be a day such as 2026-12-01, got '${text}'`);
  }
  return day;
}

/** `from` and `to` as days (`to` exclusive); `to` defaults to the day after `from`. */
export function parsePeriod(from: string, to?: string): Period {
  const start = parseDay('from', from);
  const end = to === undefined ? new Date(start.getTime() + DAY_MS) : parseDay('to', to);
  if (end.getTime() <= start.getTime()) throw new PeriodError(`'to' (${to}) must be a day after 'from' (${from})`);
  return { from: start, to: end };
}

/** The scheduled run's period: the `days` days that end with yesterday (UTC) as seen at `now`. */
export function lookbackPeriod(now: Date, days: number): Period {
  if (!Number.isInteger(days) || days < 1) throw new PeriodError(`'days' must be an integer of at least 1, got ${days}`);
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return { from: new Date(today - days * DAY_MS), to: new Date(today) };
}

export function formatPeriod(period: Period): string {
  return `${period.from.toISOString().slice(0, 10)}..${period.to.toISOString().slice(0, 10)}`;
}
