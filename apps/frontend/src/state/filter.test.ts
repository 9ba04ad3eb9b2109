import { describe, expect, it } from 'vitest';
import { applyFilter, FILTERS, filterOfHash } from './filter.ts';
import type { Todo } from './todo.ts';

describe('filters', () => {
  it('reads the filter from the hash route', () => {
    expect(filterOfHash('')).toBe('all');
    expect(filterOfHash('#/')).toBe('all');
    expect(filterOfHash('#/active')).toBe('active');
    expect(filterOfHash('#/completed/')).toBe('completed');
    expect(filterOfHash('#/unknown')).toBe('all');
  });

  it('links every filter to the route it reads back', () => {
    expect(FILTERS.map((f) => f.href)).toEqual(['#/', '#/active', '#/completed']);
    for (const f of FILTERS) expect(filterOfHash(f.href)).toBe(f.filter);
  });

  it('shows all, active or completed todos', () => {
    const todos: Todo[] = [
      { id: '1', title: 'a', completed: false, order: 1 },
      { id: '2', title: 'b', completed: true, order: 2 },
    ];
    expect(applyFilter(todos, 'all')).toEqual(todos);
    expect(applyFilter(todos, 'active').map((t) => t.id)).toEqual(['1']);
    expect(applyFilter(todos, 'completed').map((t) => t.id)).toEqual(['2']);
  });
});
