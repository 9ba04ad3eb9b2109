import { describe, expect, it } from 'vitest';
import type { Todo } from './todo.ts';
import {
  activeCount,
  initialState,
  itemsLeft,
  nextOrder,
  previousOf,
  removedOf,
  type TodosState,
  todosReducer,
} from './todos.ts';

const todo = (id: string, order: number, completed = false): Todo => ({ id, title: `title ${id}`, completed, order });
const withTodos = (...todos: Todo[]): TodosState => ({ ...initialState, loaded: true, todos });
const ids = (s: TodosState) => s.todos.map((t) => t.id);

describe('todosReducer', () => {
  it('loads the list sorted by order, keeping ties in the order received', () => {
    const s = todosReducer(initialState, { type: 'loaded', todos: [todo('c', 2), todo('a', 1), todo('b', 1)] });
    expect(s.loaded).toBe(true);
    expect(ids(s)).toEqual(['a', 'b', 'c']);
  });

  it('appends an added todo', () => {
    expect(ids(todosReducer(withTodos(todo('a', 1)), { type: 'added', todo: todo('b', 2) }))).toEqual(['a', 'b']);
  });

  it('changes only the named fields of the named todos', () => {
    const s = todosReducer(withTodos(todo('a', 1), todo('b', 2)), {
      type: 'changed',
      changes: new Map([['b', { completed: true }]]),
    });
    expect(s.todos).toEqual([todo('a', 1), { ...todo('b', 2), completed: true }]);
  });

  it('removes todos and restores them at their old positions', () => {
    const before = withTodos(todo('a', 1), todo('b', 2), todo('c', 3), todo('d', 4));
    const gone = new Set(['a', 'c']);
    const removed = removedOf(before.todos, gone);
    const after = todosReducer(before, { type: 'removed', ids: gone });
    expect(ids(after)).toEqual(['b', 'd']);
    expect(todosReducer(after, { type: 'restored', removed }).todos).toEqual(before.todos);
  });

  it('does not restore a todo twice, and clamps positions past the end', () => {
    const s = withTodos(todo('a', 1));
    const restored = todosReducer(s, {
      type: 'restored',
      removed: [
        { todo: todo('a', 1), index: 0 },
        { todo: todo('z', 9), index: 7 },
      ],
    });
    expect(ids(restored)).toEqual(['a', 'z']);
  });

  it('keeps the last error until it is dismissed', () => {
    const failed = todosReducer(withTodos(), { type: 'failed', message: 'boom' });
    expect(failed.error).toBe('boom');
    expect(todosReducer(failed, { type: 'added', todo: todo('a', 1) }).error).toBe('boom');
    expect(todosReducer(failed, { type: 'dismissed' }).error).toBeNull();
  });
});

describe('list helpers', () => {
  it('remembers the values a change overwrites', () => {
    const todos = [todo('a', 1), { ...todo('b', 2), completed: true }];
    const previous = previousOf(
      todos,
      new Map([
        ['a', { title: 'new' }],
        ['b', { completed: false }],
        ['x', { completed: true }],
      ]),
    );
    expect(previous).toEqual(
      new Map([
        ['a', { title: 'title a' }],
        ['b', { completed: true }],
      ]),
    );
  });

  it('orders a new todo after every other', () => {
    expect(nextOrder([])).toBe(1);
    expect(nextOrder([todo('a', 7), todo('b', 3)])).toBe(8);
  });

  it('counts and words the items left', () => {
    expect(activeCount([todo('a', 1), todo('b', 2, true), todo('c', 3)])).toBe(2);
    expect(itemsLeft(0)).toBe('0 items left');
    expect(itemsLeft(1)).toBe('1 item left');
    expect(itemsLeft(2)).toBe('2 items left');
  });
});
