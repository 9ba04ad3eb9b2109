import type { Todo } from './todo.ts';

export type Filter = 'all' | 'active' | 'completed';

/** The filters in the order the footer lists them, with the hash route of each. */
export const FILTERS: readonly { readonly filter: Filter; readonly label: string; readonly href: string }[] = [
  { filter: 'all', label: 'All', href: '#/' },
  { filter: 'active', label: 'Active', href: '#/active' },
  { filter: 'completed', label: 'Completed', href: '#/completed' },
];

/** `#/active` is active, `#/completed` completed, anything else all. */
export function filterOfHash(hash: string): Filter {
  const route = hash.replace(/^#\/?/, '').replace(/\/$/, '');
  return route === 'active' || route === 'completed' ? route : 'all';
}

export function applyFilter(todos: readonly Todo[], filter: Filter): readonly Todo[] {
  if (filter === 'all') return todos;
  return todos.filter((t) => t.completed === (filter === 'completed'));
}
