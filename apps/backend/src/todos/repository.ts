import type { Pool } from 'pg';
import { Batcher } from './batcher.ts';
import { Coalescer } from './coalescer.ts';
import { type CachedList, ListCache } from './list-cache.ts';
import type { NewTodo, TodoPatch } from './validation.ts';

/** One todo as compact JSON text, built by PostgreSQL; `$1` is the collection URL that `url` starts with. */
const TODO_JSON = `'{"id":' || id || ',"title":' || to_json(title)::text || ',"completed":' || completed || ',"order":' || "order"
  || ',"url":' || to_json($1::text || id)::text || '}'`;

/**
 * The list as one JSON text, unless the caller's cached snapshot (`$2`) is still current: then only the snapshot.
 * PostgreSQL evaluates the CASE branch, and so the aggregate, only when the snapshot has changed.
 */
const LIST = {
  name: 'todos.list',
  text: `SELECT s.snapshot, CASE WHEN s.snapshot = $2 THEN NULL ELSE
      (SELECT '[' || coalesce(string_agg(${TODO_JSON}, ',' ORDER BY "order", created_at, id), '') || ']' FROM todos)
    END AS body
    FROM (SELECT pg_current_snapshot()::text AS snapshot) s`,
};
/**
 * Inserts a batch of todos in one statement and transaction. Todos without an order go to the end in arrival order;
 * identity values follow the insertion order, so sorting the answer by id gives the inputs' order.
 */
const CREATE = {
  name: 'todos.create',
  text: `WITH input AS (
      SELECT * FROM unnest($2::text[], $3::boolean[], $4::integer[]) WITH ORDINALITY AS i(title, completed, "order", n)
    ), top AS (SELECT coalesce(max("order"), 0)::bigint AS value FROM todos)
    INSERT INTO todos (title, completed, "order")
    SELECT i.title, i.completed,
      coalesce(i."order", least(top.value + count(*) FILTER (WHERE i."order" IS NULL) OVER (ORDER BY i.n), 2147483647)::integer)
    FROM input i, top ORDER BY i.n
    RETURNING id, ${TODO_JSON} AS body`,
};
const GET = { name: 'todos.get', text: `SELECT ${TODO_JSON} AS body FROM todos WHERE id = $2` };
const UPDATE = {
  name: 'todos.update',
  text: `UPDATE todos SET title = coalesce($3, title), completed = coalesce($4, completed), "order" = coalesce($5, "order")
    WHERE id = $2 RETURNING ${TODO_JSON} AS body`,
};
const DELETE = { name: 'todos.delete', text: 'DELETE FROM todos WHERE id = $1' };
const DELETE_ALL = { name: 'todos.deleteAll', text: 'DELETE FROM todos' };

type Body = { body: string };

/** A new todo's id and JSON. */
export interface Created {
  readonly id: string;
  readonly body: string;
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Todos in PostgreSQL. Reads answer with the JSON text that PostgreSQL builds, ready to send; every query is a named
 * prepared statement. The list is remembered per collection URL and re-read only when the database has changed;
 * concurrent list requests share one query.
 * Ids are decimal strings as checked by `parseTodoId`.
 */
export class TodoRepository {
  private readonly lists = new ListCache();
  private readonly listReads = new Coalescer<CachedList>();
  private readonly creates = new Map<string, Batcher<NewTodo, Created>>();

  constructor(private readonly pool: Pool) {
    pool.on('connect', () => this.lists.clear());
  }

  /** The JSON array of all todos, ordered by `order`, then by creation, as read after this call. */
  list(collectionUrl: string): Promise<CachedList> {
    return this.listReads.run(collectionUrl, () => this.readList(collectionUrl));
  }

  private async readList(collectionUrl: string): Promise<CachedList> {
    const cached = this.lists.get(collectionUrl);
    const { rows } = await this.pool.query<{ snapshot: string; body: string | null }>({
      ...LIST,
      values: [collectionUrl, cached?.snapshot ?? ''],
    });
    const row = rows[0];
    if (!row) throw new Error('the list query gave no row');
    if (row.body === null && cached) return cached;
    return this.lists.set(collectionUrl, row.snapshot, row.body ?? '[]');
  }

  /** Creates a todo; concurrent creations share one INSERT (group commit). */
  create(collectionUrl: string, todo: NewTodo): Promise<Created> {
    let batcher = this.creates.get(collectionUrl);
    if (!batcher) {
      if (this.creates.size >= 16) this.creates.clear();
      batcher = new Batcher({ flush: (todos) => this.insert(collectionUrl, todos) });
      this.creates.set(collectionUrl, batcher);
    }
    return batcher.add(todo);
  }

  private async insert(collectionUrl: string, todos: readonly NewTodo[]): Promise<Created[]> {
    const values = [collectionUrl, todos.map((t) => t.title), todos.map((t) => t.completed), todos.map((t) => t.order ?? null)];
    const { rows } = await this.pool.query<Created>({ ...CREATE, values });
    return rows.sort(byId);
  }

  async get(collectionUrl: string, id: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<Body>({ ...GET, values: [collectionUrl, id] });
    return rows[0]?.body;
  }

  async update(collectionUrl: string, id: string, patch: TodoPatch): Promise<string | undefined> {
    const values = [collectionUrl, id, patch.title ?? null, patch.completed ?? null, patch.order ?? null];
    const { rows } = await this.pool.query<Body>({ ...UPDATE, values });
    return rows[0]?.body;
  }

  /** Whether a todo with this id existed. */
  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query({ ...DELETE, values: [id] });
    return (rowCount ?? 0) > 0;
  }

  async deleteAll(): Promise<void> {
    await this.pool.query(DELETE_ALL);
  }
}
