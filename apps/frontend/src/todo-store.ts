import type { TodoApi } from './api.ts';
import type { Todo, TodoChanges } from './state/todo.ts';
import {
  initialState,
  nextOrder,
  previousOf,
  removedOf,
  type TodosAction,
  type TodosState,
  todosReducer,
} from './state/todos.ts';

/**
 * The todo list in the browser: every command changes the list at once (optimistically), then asks the API,
 * and puts back what it changed, with a message, when the API fails.
 */
export class TodoStore {
  private state: TodosState = initialState;
  private readonly listeners = new Set<() => void>();
  /** Todos added in this page keep their local id; this resolves it to the server's id (null when the create failed). */
  private readonly serverIds = new Map<string, Promise<string | null>>();
  /** Local ids whose create has succeeded, with the server's id. */
  private readonly confirmed = new Map<string, string>();
  private created = 0;
  private loading: Promise<void> | undefined;

  constructor(private readonly api: TodoApi) {}

  readonly getState = (): TodosState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Fetches the list once; todos added before it arrives are kept, and not shown twice. */
  load(): Promise<void> {
    this.loading ??= this.api.list().then(
      (todos) => {
        const known = new Set(this.confirmed.values());
        this.dispatch({ type: 'loaded', todos: [...todos.filter((t) => !known.has(t.id)), ...this.state.todos] });
      },
      (e: unknown) => this.fail('Could not load the todos', e, 'Reload the page to try again.'),
    );
    return this.loading;
  }

  async add(title: string): Promise<void> {
    const trimmed = title.trim();
    if (trimmed === '') return;
    const todo: Todo = { id: `local-${++this.created}`, title: trimmed, completed: false, order: nextOrder(this.state.todos) };
    this.dispatch({ type: 'added', todo });
    const serverId = this.api.create(todo.title, todo.order).then(
      (saved) => {
        this.confirmed.set(todo.id, saved.id);
        return saved.id;
      },
      (e: unknown) => {
        this.dispatch({ type: 'removed', ids: new Set([todo.id]) });
        this.fail(`Could not add “${todo.title}”`, e, 'It was taken out of the list.');
        return null;
      },
    );
    this.serverIds.set(todo.id, serverId);
    await serverId;
  }

  /** Saves an edited title; a blank title deletes the todo. */
  async rename(id: string, title: string): Promise<void> {
    const trimmed = title.trim();
    if (trimmed === '') return this.remove(id);
    const todo = this.state.todos.find((t) => t.id === id);
    if (!todo || todo.title === trimmed) return;
    await this.change(new Map([[id, { title: trimmed }]]), `Could not rename “${todo.title}”`);
  }

  async toggle(id: string, completed: boolean): Promise<void> {
    const todo = this.state.todos.find((t) => t.id === id);
    if (!todo || todo.completed === completed) return;
    await this.change(new Map([[id, { completed }]]), `Could not update “${todo.title}”`);
  }

  async toggleAll(completed: boolean): Promise<void> {
    const changes = new Map(this.state.todos.filter((t) => t.completed !== completed).map((t) => [t.id, { completed }]));
    await this.change(changes, `Could not mark every todo as ${completed ? 'completed' : 'active'}`);
  }

  async remove(id: string): Promise<void> {
    const todo = this.state.todos.find((t) => t.id === id);
    if (!todo) return;
    await this.removeAll(new Set([id]), `Could not delete “${todo.title}”`);
  }

  async clearCompleted(): Promise<void> {
    await this.removeAll(
      new Set(this.state.todos.filter((t) => t.completed).map((t) => t.id)),
      'Could not clear the completed todos',
    );
  }

  dismissError(): void {
    this.dispatch({ type: 'dismissed' });
  }

  private async change(changes: ReadonlyMap<string, TodoChanges>, what: string): Promise<void> {
    if (changes.size === 0) return;
    const previous = previousOf(this.state.todos, changes);
    this.dispatch({ type: 'changed', changes });
    const failures = await this.eachOnServer(changes.keys(), (serverId, id) => this.api.update(serverId, changes.get(id) ?? {}));
    if (failures.size === 0) return;
    this.dispatch({ type: 'changed', changes: new Map([...previous].filter(([id]) => failures.has(id))) });
    this.fail(what, firstOf(failures), 'The change was undone.');
  }

  private async removeAll(ids: ReadonlySet<string>, what: string): Promise<void> {
    if (ids.size === 0) return;
    const removed = removedOf(this.state.todos, ids);
    this.dispatch({ type: 'removed', ids });
    const failures = await this.eachOnServer(ids.keys(), (serverId) => this.api.remove(serverId));
    if (failures.size === 0) return;
    this.dispatch({ type: 'restored', removed: removed.filter((r) => failures.has(r.todo.id)) });
    this.fail(what, firstOf(failures), failures.size === 1 ? 'It is back in the list.' : 'They are back in the list.');
  }

  /** Runs `call` for every todo once its server id is known; returns the errors by local id. */
  private async eachOnServer(
    ids: Iterable<string>,
    call: (serverId: string, id: string) => Promise<unknown>,
  ): Promise<Map<string, unknown>> {
    const failures = new Map<string, unknown>();
    await Promise.all(
      [...ids].map(async (id) => {
        const serverId = await (this.serverIds.get(id) ?? id);
        if (serverId === null) return;
        try {
          await call(serverId, id);
        } catch (e) {
          failures.set(id, e);
        }
      }),
    );
    return failures;
  }

  private fail(what: string, error: unknown, consequence: string): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.dispatch({ type: 'failed', message: `${what}: ${reason}. ${consequence}` });
  }

  private dispatch(action: TodosAction): void {
    this.state = todosReducer(this.state, action);
    for (const listener of this.listeners) listener();
  }
}

const firstOf = (failures: ReadonlyMap<string, unknown>): unknown => failures.values().next().value;
