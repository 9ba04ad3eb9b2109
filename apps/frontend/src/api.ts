import type { Todo, TodoChanges } from './state/todo.ts';

/** A request to the todo API that failed: the network, or a status other than 2xx. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    /** The HTTP status, or 0 when no answer arrived. */
    readonly status: number,
  ) {
    super(message);
  }
}

interface WireTodo {
  readonly id: string | number;
  readonly title: string;
  readonly completed: boolean;
  readonly order: number | null;
}

const toTodo = (w: WireTodo): Todo => ({ id: String(w.id), title: w.title, completed: w.completed, order: w.order ?? 0 });

/** A client of the Todo-Backend API (`/api/todos`) on the page's own origin. */
export class TodoApi {
  constructor(
    private readonly base = '/api/todos',
    private readonly fetchFn: typeof fetch = (input, init) => fetch(input, init),
  ) {}

  async list(): Promise<Todo[]> {
    return ((await this.request('GET', this.base)) as WireTodo[]).map(toTodo);
  }

  async create(title: string, order: number): Promise<Todo> {
    return toTodo((await this.request('POST', this.base, { title, order })) as WireTodo);
  }

  async update(id: string, changes: TodoChanges): Promise<Todo> {
    return toTodo((await this.request('PATCH', this.item(id), changes)) as WireTodo);
  }

  async remove(id: string): Promise<void> {
    await this.request('DELETE', this.item(id));
  }

  private item(id: string): string {
    return `${this.base}/${encodeURIComponent(id)}`;
  }

  private async request(method: string, url: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await this.fetchFn(url, {
        method,
        headers:
          body === undefined
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError('the server cannot be reached', 0);
    }
    if (!response.ok) throw new ApiError(await describe(response), response.status);
    if (response.status === 204) return undefined;
    const text = await response.text();
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }
}

async function describe(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: unknown; message?: unknown };
    const detail = body.message ?? body.error;
    if (typeof detail === 'string' && detail !== '') return `the server answered ${response.status}: ${detail}`;
  } catch {
    // the body is not JSON; the status alone says enough
  }
  return `the server answered ${response.status}`;
}
