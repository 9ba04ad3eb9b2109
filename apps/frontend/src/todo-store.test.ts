import { describe, expect, it } from 'vitest';
import { ApiError, TodoApi } from './api.ts';
import { TodoStore } from './todo-store.ts';

interface Row {
  id: number;
  title: string;
  completed: boolean;
  order: number;
}

/** An in-memory Todo-Backend behind a fetch function; `failing` makes every write answer 500. */
class FakeServer {
  rows: Row[] = [];
  failing = false;
  private nextId = 100;
  readonly requests: string[] = [];
  private gate: Promise<void> = Promise.resolve();
  private release = () => {};

  /** Holds every answer until `open()` is called. */
  hold(): void {
    this.gate = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  open(): void {
    this.release();
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const method = init?.method ?? 'GET';
    const url = String(input);
    this.requests.push(`${method} ${url}`);
    await this.gate;
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as Partial<Row>) : {};
    const id = Number(url.split('/')[3]);
    if (method !== 'GET' && this.failing) return json(500, { error: 'database unavailable' });
    if (method === 'GET') return json(200, this.rows);
    if (method === 'POST') {
      const row = { id: this.nextId++, title: body.title ?? '', completed: false, order: body.order ?? 0 };
      this.rows.push(row);
      return json(201, row);
    }
    const row = this.rows.find((r) => r.id === id);
    if (!row) return json(404, { error: 'not found' });
    if (method === 'PATCH') {
      Object.assign(row, body);
      return json(200, row);
    }
    this.rows = this.rows.filter((r) => r !== row);
    return new Response(null, { status: 204 });
  };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

async function setup(rows: Row[] = []) {
  const server = new FakeServer();
  server.rows = rows;
  const store = new TodoStore(new TodoApi('/api/todos', server.fetch));
  await store.load();
  const titles = () => store.getState().todos.map((t) => `${t.title}${t.completed ? ' ✓' : ''}`);
  return { server, store, titles };
}

describe('TodoStore', () => {
  it('loads the server list in order and loads only once', async () => {
    const { server, store, titles } = await setup([
      { id: 2, title: 'second', completed: true, order: 2 },
      { id: 1, title: 'first', completed: false, order: 1 },
    ]);
    await store.load();
    expect(titles()).toEqual(['first', 'second ✓']);
    expect(server.requests).toEqual(['GET /api/todos']);
  });

  it('adds a trimmed todo at once and ignores a blank one', async () => {
    const { server, store, titles } = await setup();
    server.hold();
    const adding = store.add('  buy milk  ');
    expect(titles()).toEqual(['buy milk']);
    await store.add('   ');
    server.open();
    await adding;
    expect(server.rows).toEqual([{ id: 100, title: 'buy milk', completed: false, order: 1 }]);
  });

  it('sends updates for a todo added a moment ago with the id the server gave it', async () => {
    const { server, store } = await setup();
    server.hold();
    const adding = store.add('fresh');
    const id = store.getState().todos[0]?.id ?? '';
    const toggling = store.toggle(id, true);
    server.open();
    await Promise.all([adding, toggling]);
    expect(server.requests).toEqual(['GET /api/todos', 'POST /api/todos', 'PATCH /api/todos/100']);
    expect(server.rows[0]?.completed).toBe(true);
  });

  it('renames with a trimmed title, and deletes on a blank one', async () => {
    const { server, store, titles } = await setup([{ id: 1, title: 'a', completed: false, order: 1 }]);
    await store.rename('1', '  b  ');
    expect(titles()).toEqual(['b']);
    expect(server.rows[0]?.title).toBe('b');
    await store.rename('1', '   ');
    expect(titles()).toEqual([]);
    expect(server.rows).toEqual([]);
  });

  it('toggles all, and clears the completed ones', async () => {
    const { server, store, titles } = await setup([
      { id: 1, title: 'a', completed: false, order: 1 },
      { id: 2, title: 'b', completed: true, order: 2 },
    ]);
    await store.toggleAll(true);
    expect(titles()).toEqual(['a ✓', 'b ✓']);
    expect(server.requests.filter((r) => r.startsWith('PATCH'))).toEqual(['PATCH /api/todos/1']);
    await store.toggle('2', false);
    await store.clearCompleted();
    expect(titles()).toEqual(['b']);
    expect(server.rows.map((r) => r.title)).toEqual(['b']);
  });

  it('rolls back a failed add, update and delete, with a message each time', async () => {
    const { server, store, titles } = await setup([{ id: 1, title: 'keep', completed: false, order: 1 }]);
    server.failing = true;

    await store.add('lost');
    expect(titles()).toEqual(['keep']);
    expect(store.getState().error).toBe(
      'Could not add “lost”: the server answered 500: database unavailable. It was taken out of the list.',
    );

    await store.toggle('1', true);
    expect(titles()).toEqual(['keep']);
    expect(store.getState().error).toMatch(/^Could not update “keep”: .*The change was undone\.$/);

    await store.rename('1', 'renamed');
    expect(titles()).toEqual(['keep']);

    await store.remove('1');
    expect(titles()).toEqual(['keep']);
    expect(store.getState().error).toMatch(/^Could not delete “keep”: .*It is back in the list\.$/);

    store.dismissError();
    expect(store.getState().error).toBeNull();
  });

  it('rolls back only the part of a toggle-all that failed', async () => {
    const { server, store, titles } = await setup([
      { id: 1, title: 'a', completed: false, order: 1 },
      { id: 2, title: 'b', completed: false, order: 2 },
    ]);
    server.rows = server.rows.filter((r) => r.id !== 2);
    await store.toggleAll(true);
    expect(titles()).toEqual(['a ✓', 'b']);
    expect(store.getState().error).toContain('the server answered 404');
  });

  it('says so when the list cannot be loaded', async () => {
    const api = new TodoApi('/api/todos', async () => {
      throw new TypeError('fetch failed');
    });
    const store = new TodoStore(api);
    await store.load();
    expect(store.getState().loaded).toBe(false);
    expect(store.getState().error).toBe('Could not load the todos: the server cannot be reached. Reload the page to try again.');
    await expect(api.list()).rejects.toBeInstanceOf(ApiError);
  });
});
