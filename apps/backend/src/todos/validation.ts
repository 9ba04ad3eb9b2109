/** Longest title, in Unicode code points after trimming. */
export const MAX_TITLE_LENGTH = 1000;
export const MIN_ORDER = -2147483648;
export const MAX_ORDER = 2147483647;

/** A todo as the client asks to create it; `order` undefined means "at the end of the list". */
export interface NewTodo {
  readonly title: string;
  readonly completed: boolean;
  readonly order: number | undefined;
}

/** The fields a PATCH changes; absent fields stay as they are. */
export interface TodoPatch {
  readonly title?: string;
  readonly completed?: boolean;
  readonly order?: number;
}

/** A request body that breaks the todo rules; the message names every field at fault. */
export class TodoValidationError extends Error {
  override readonly name = 'TodoValidationError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

const UNPAIRED_SURROGATE = /\p{Surrogate}/u;

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function title(value: unknown, problems: string[]): string | undefined {
  if (typeof value !== 'string') {
    problems.push('title must be a string');
    return undefined;
  }
  const trimmed = value.trim();
  if (trimmed.length === 0) problems.push('title must not be empty');
  else if (trimmed.length > MAX_TITLE_LENGTH && codePoints(trimmed) > MAX_TITLE_LENGTH) {
    problems.push(`title must be at most ${MAX_TITLE_LENGTH} characters after trimming`);
  } else if (trimmed.includes('\u0000')) problems.push('title must not contain NUL characters');
  else if (UNPAIRED_SURROGATE.test(trimmed)) problems.push('title must be valid Unicode (it has an unpaired surrogate)');
  else return trimmed;
  return undefined;
}

function completed(value: unknown, problems: string[]): boolean | undefined {
  if (typeof value === 'boolean') return value;
  problems.push('completed must be a boolean');
  return undefined;
}

function order(value: unknown, problems: string[]): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= MIN_ORDER && value <= MAX_ORDER) return value;
  problems.push(`order must be an integer from ${MIN_ORDER} to ${MAX_ORDER}`);
  return undefined;
}

function fields(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new TodoValidationError(['the body must be a JSON object']);
  }
  return body as Record<string, unknown>;
}

/** Validates a POST body: `{title, completed?, order?}`; other fields are ignored. */
export function parseNewTodo(body: unknown): NewTodo {
  const input = fields(body);
  const problems: string[] = [];
  if (input.title === undefined) problems.push('title is required');
  const t = input.title === undefined ? undefined : title(input.title, problems);
  const c = input.completed === undefined ? false : completed(input.completed, problems);
  const o = input.order === undefined ? undefined : order(input.order, problems);
  if (problems.length > 0 || t === undefined || c === undefined) throw new TodoValidationError(problems);
  return { title: t, completed: c, order: o };
}

/** Validates a PATCH body: any of `title`, `completed`, `order`; other fields (`id`, `url`...) are ignored. */
export function parseTodoPatch(body: unknown): TodoPatch {
  const input = fields(body);
  const problems: string[] = [];
  const patch: { title?: string; completed?: boolean; order?: number } = {};
  if (input.title !== undefined) patch.title = title(input.title, problems);
  if (input.completed !== undefined) patch.completed = completed(input.completed, problems);
  if (input.order !== undefined) patch.order = order(input.order, problems);
  if (problems.length > 0) throw new TodoValidationError(problems);
  return patch;
}

const MAX_ID = 9223372036854775807n;

/** The todo id in a path segment, as a decimal string, or undefined when no todo can have it. */
export function parseTodoId(raw: string): string | undefined {
  if (!/^[1-9]\d{0,18}$/.test(raw)) return undefined;
  return BigInt(raw) <= MAX_ID ? raw : undefined;
}
