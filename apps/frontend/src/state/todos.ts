import type { Todo, TodoChanges } from './todo.ts';

/** Everything the todo list shows, held in the browser as a copy of the server's list. */
export interface TodosState {
  readonly todos: readonly Todo[];
  /** The server's list has arrived once. */
  readonly loaded: boolean;
  /** The last failure, shown until dismissed or replaced. */
  readonly error: string | null;
}

/** A todo taken out of the list, with where it was, so a failed delete can put it back. */
export interface Removed {
  readonly todo: Todo;
  readonly index: number;
}

export type TodosAction =
  | { readonly type: 'loaded'; readonly todos: readonly Todo[] }
  | { readonly type: 'added'; readonly todo: Todo }
  | { readonly type: 'saved'; readonly id: string; readonly todo: Todo }
  | { readonly type: 'changed'; readonly changes: ReadonlyMap<string, TodoChanges> }
  | { readonly type: 'removed'; readonly ids: ReadonlySet<string> }
  | { readonly type: 'restored'; readonly removed: readonly Removed[] }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'dismissed' };

export const initialState: TodosState = { todos: [], loaded: false, error: null };

export function todosReducer(state: TodosState, action: TodosAction): TodosState {
  switch (action.type) {
    case 'loaded':
      return { ...state, todos: sortTodos(action.todos), loaded: true };
    case 'added':
      return { ...state, todos: [...state.todos, action.todo] };
    case 'saved':
      return { ...state, todos: state.todos.map((t) => (t.id === action.id ? action.todo : t)) };
    case 'changed':
      return { ...state, todos: state.todos.map((t) => ({ ...t, ...action.changes.get(t.id) })) };
    case 'removed':
      return { ...state, todos: state.todos.filter((t) => !action.ids.has(t.id)) };
    case 'restored':
      return { ...state, todos: restore(state.todos, action.removed) };
    case 'failed':
      return { ...state, error: action.message };
    case 'dismissed':
      return { ...state, error: null };
  }
}

/** Puts removed todos back at their old positions (in ascending order of position, so each index still fits). */
function restore(todos: readonly Todo[], removed: readonly Removed[]): Todo[] {
  const out = [...todos];
  for (const { todo, index } of [...removed].sort((a, b) => a.index - b.index)) {
    if (out.some((t) => t.id === todo.id)) continue;
    out.splice(Math.min(index, out.length), 0, todo);
  }
  return out;
}

/** The server's order: by `order`, ties kept in the order received (creation). */
export function sortTodos(todos: readonly Todo[]): Todo[] {
  return [...todos].sort((a, b) => a.order - b.order);
}

/** The todos that `ids` name, each with its position, for a later `restored`. */
export function removedOf(todos: readonly Todo[], ids: ReadonlySet<string>): Removed[] {
  return todos.flatMap((todo, index) => (ids.has(todo.id) ? [{ todo, index }] : []));
}

/** The values that `changes` would overwrite, so a failed update can put them back. */
export function previousOf(todos: readonly Todo[], changes: ReadonlyMap<string, TodoChanges>): Map<string, TodoChanges> {
  const out = new Map<string, TodoChanges>();
  for (const todo of todos) {
    const change = changes.get(todo.id);
    if (!change) continue;
    out.set(todo.id, {
      ...(change.title !== undefined && { title: todo.title }),
      ...(change.completed !== undefined && { completed: todo.completed }),
    });
  }
  return out;
}

/** The order a new todo gets: after every todo in the list. */
export function nextOrder(todos: readonly Todo[]): number {
  return todos.reduce((max, t) => Math.max(max, t.order), 0) + 1;
}

export const activeCount = (todos: readonly Todo[]): number => todos.filter((t) => !t.completed).length;

/** "1 item left", "0 items left", "2 items left". */
export const itemsLeft = (count: number): string => `${count} ${count === 1 ? 'item' : 'items'} left`;
