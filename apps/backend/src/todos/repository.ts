import type { Pool } from 'pg';
import type { NewTodo, TodoPatch } from './validation.ts';

/** The JSON of one todo row, built by PostgreSQL; `$1` is the collection URL that `url` starts with. */
const TODO_JSON = `json_build_object('id', id, 'title', title, 'completed', completed, 'order', "order", 'url', $1::text || id)`;

const LIST = {
  name: 'todos.list',
  text: `SELECT coalesce(json_agg(${TODO_JSON} ORDER BY "order", created_at, id), '[]')::text AS body FROM todos`,
};
const CREATE = {
  name: 'todos.create',
  text: `INSERT INTO todos (title, completed, "order")
    VALUES ($2, $3, coalesce($4::integer, (SELECT least(coalesce(max("order"), 0)::bigint + 1, 2147483647)::integer FROM todos)))
    RETURNING id::text, ${TODO_JSON}::text AS body`,
};
const GET = { name: 'todos.get', text: `SELECT ${TODO_JSON}::text AS body FROM todos WHERE id = $2` };
const UPDATE = {
  name: 'todos.update',
  text: `UPDATE todos SET title = coalesce($3, title), completed = coalesce($4, completed), "order" = coalesce($5, "order")
    WHERE id = $2 RETURNING ${TODO_JSON}::text AS body`,
};
const DELETE = { name: 'todos.delete', text: 'DELETE FROM todos WHERE id = $1' };
const DELETE_ALL = { name: 'todos.deleteAll', text: 'DELETE FROM todos' };

type Body = { body: string };

/**
 * Todos in PostgreSQL. Every read answers with the JSON text that PostgreSQL builds, ready to send, and every query
 * is a named prepared statement. Ids are decimal strings as checked by `parseTodoId`.
 */
export class TodoRepository {
  constructor(private readonly pool: Pool) {}

  /** The JSON array of all todos, ordered by `order`, then by creation. */
  async list(collectionUrl: string): Promise<string> {
    const { rows } = await this.pool.query<Body>({ ...LIST, values: [collectionUrl] });
    return rows[0]?.body ?? '[]';
  }

  /** The new todo's id and JSON. */
  async create(collectionUrl: string, todo: NewTodo): Promise<{ id: string; body: string }> {
    const { rows } = await this.pool.query<{ id: string; body: string }>({ ...CREATE, values: [collectionUrl, todo.title, todo.completed, todo.order ?? null] });
    const row = rows[0];
    if (!row) throw new Error('INSERT ... RETURNING gave no row');
    return row;
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
