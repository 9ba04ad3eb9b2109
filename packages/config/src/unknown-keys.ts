import { z } from 'zod';

/** A key of a config tree that the schema does not define. */
export interface UnknownKey {
  /** Its path, such as `['cluster', 'agent']`. */
  readonly path: readonly string[];
  /** The closest path the schema does define, when one is close enough to be a likely typo. */
  readonly suggestion?: readonly string[];
}

/** A record's keys are free, so its entries stand under this segment in the list of known paths. */
const ANY_KEY = '*';

/** The schema under the wrappers that do not change the shape of what they accept. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let node = schema;
  for (;;) {
    if (
      node instanceof z.ZodDefault ||
      node instanceof z.ZodPrefault ||
      node instanceof z.ZodOptional ||
      node instanceof z.ZodNullable ||
      node instanceof z.ZodReadonly ||
      node instanceof z.ZodCatch
    ) {
      node = node.def.innerType;
    } else if (node instanceof z.ZodPipe) {
      node = node.def.in;
    } else if (node instanceof z.ZodLazy) {
      node = node.def.getter();
    } else {
      return node;
    }
  }
}

const isTree = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every path the schema defines, objects and leaves alike, with `*` for a record's keys. */
export function knownPaths(schema: z.core.$ZodType, prefix: readonly string[] = []): string[][] {
  const node = unwrap(schema);
  if (node instanceof z.ZodObject) {
    return Object.entries(node.def.shape).flatMap(([key, child]) => {
      const path = [...prefix, key];
      return [path, ...knownPaths(child, path)];
    });
  }
  if (node instanceof z.ZodRecord) {
    const path = [...prefix, ANY_KEY];
    return [path, ...knownPaths(node.def.valueType, path)];
  }
  if (node instanceof z.ZodArray) return knownPaths(node.def.element, prefix);
  return [];
}

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++) {
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[y.length] ?? 0;
}

const flat = (path: readonly string[]) => path.join('').replace(/[_-]/g, '').toLowerCase();
const closeEnough = (distance: number, word: string) => distance <= Math.max(2, Math.floor(word.length / 3));

function matches(known: readonly string[], path: readonly string[]): boolean {
  return known.length === path.length && known.every((segment, i) => segment === ANY_KEY || segment === path[i]);
}

/**
 * The closest defined path to an unknown one: a sibling with a similar name first (`agent` for `agents`), else any
 * path spelled alike once levels and separators are ignored (`clusterAgents` for `cluster.agents`).
 */
function suggest(paths: readonly string[][], path: readonly string[]): string[] | undefined {
  const parent = path.slice(0, -1);
  const key = path[path.length - 1] ?? '';
  let best: { path: string[]; distance: number } | undefined;
  for (const known of paths) {
    if (known.length !== path.length || !matches(known.slice(0, -1), parent)) continue;
    const last = known[known.length - 1] ?? '';
    if (last === ANY_KEY) continue;
    const distance = editDistance(last, key);
    if (closeEnough(distance, key) && (!best || distance < best.distance)) best = { path: [...parent, last], distance };
  }
  if (best) return best.path;
  const word = flat(path);
  for (const known of paths) {
    if (known.includes(ANY_KEY)) continue;
    const distance = editDistance(flat(known), word);
    if (closeEnough(distance, word) && (!best || distance < best.distance)) best = { path: known, distance };
  }
  return best?.path;
}

function collect(schema: z.core.$ZodType, input: unknown, path: string[], out: string[][]): void {
  const node = unwrap(schema);
  if (node instanceof z.ZodObject) {
    if (!isTree(input)) return;
    const shape = node.def.shape;
    for (const [key, value] of Object.entries(input)) {
      const child = Object.hasOwn(shape, key) ? shape[key] : undefined;
      if (child) collect(child, value, [...path, key], out);
      else if (!(node.def.catchall && !(node.def.catchall instanceof z.ZodNever))) out.push([...path, key]);
    }
  } else if (node instanceof z.ZodRecord) {
    if (!isTree(input)) return;
    for (const [key, value] of Object.entries(input)) collect(node.def.valueType, value, [...path, key], out);
  } else if (node instanceof z.ZodArray) {
    if (!Array.isArray(input)) return;
    input.forEach((item, i) => {
      collect(node.def.element, item, [...path, String(i)], out);
    });
  }
}

/**
 * The keys of `input` that `schema` does not define, at any depth, each with the closest defined path. Generic over
 * the schema: objects are walked through defaults, optionals and pipes; records accept any key and check their values.
 */
export function unknownKeys(schema: z.core.$ZodType, input: unknown): UnknownKey[] {
  const found: string[][] = [];
  collect(schema, input, [], found);
  if (found.length === 0) return [];
  const paths = knownPaths(schema);
  return found.map((path) => {
    const suggestion = suggest(paths, path);
    return suggestion ? { path, suggestion } : { path };
  });
}
