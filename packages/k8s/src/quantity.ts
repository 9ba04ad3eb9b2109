/** Kubernetes resource quantities as numbers, for capacity arithmetic and JVM heap sizing. */
export class QuantityError extends Error {
  override readonly name = 'QuantityError';
}

const BINARY: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

function split(quantity: string): { value: number; suffix: string } {
  const match = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(quantity);
  if (!match?.[1]) throw new QuantityError(`'${quantity}' is not a Kubernetes quantity such as 250m or 512Mi`);
  return { value: Number(match[1]), suffix: match[2] ?? '' };
}

/** `250m` -> 250, `2` -> 2000. */
export function cpuMillis(quantity: string): number {
  const { value, suffix } = split(quantity);
  if (suffix === 'm') return value;
  if (suffix === '') return value * 1000;
  throw new QuantityError(`'${quantity}' is not a CPU quantity: use cores (2) or millicores (250m)`);
}

/** `512Mi` -> 536870912, `1G` -> 1e9. */
export function memoryBytes(quantity: string): number {
  const { value, suffix } = split(quantity);
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  if (factor === undefined) throw new QuantityError(`'${quantity}' is not a memory quantity: use Ki, Mi, Gi, Ti, k, M, G or T`);
  return value * factor;
}

export const MIB = 1024 ** 2;
