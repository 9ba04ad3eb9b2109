import { useEffect, useSyncExternalStore } from 'react';
import { applyFilter } from '../state/filter.ts';
import { activeCount } from '../state/todos.ts';
import type { TodoStore } from '../todo-store.ts';
import { useHashFilter } from '../use-hash-filter.ts';
import { ErrorMessage } from './ErrorMessage.tsx';
import { Footer } from './Footer.tsx';
import { NewTodo } from './NewTodo.tsx';
import { TodoItem } from './TodoItem.tsx';

export interface AppProps {
  /** The todo list, kept in step with the API. */
  readonly store: TodoStore;
}

/** The TodoMVC application: rendered inside `section.todoapp`. */
export function App({ store }: AppProps) {
  const { todos, loaded, error } = useSyncExternalStore(store.subscribe, store.getState);
  const filter = useHashFilter();

  useEffect(() => {
    void store.load();
  }, [store]);

  const active = activeCount(todos);
  const allCompleted = todos.length > 0 && active === 0;
  return (
    <>
      <ErrorMessage message={error} onDismiss={() => store.dismissError()} />
      <NewTodo onAdd={(title) => void store.add(title)} />
      {todos.length > 0 && (
        <section className="main">
          <input
            id="toggle-all"
            className="toggle-all"
            type="checkbox"
            checked={allCompleted}
            onChange={(e) => void store.toggleAll(e.target.checked)}
          />
          <label htmlFor="toggle-all">Mark all as complete</label>
          <ul className="todo-list">
            {applyFilter(todos, filter).map((todo) => (
              <TodoItem
                key={todo.id}
                todo={todo}
                onToggle={(completed) => void store.toggle(todo.id, completed)}
                onRename={(title) => void store.rename(todo.id, title)}
                onRemove={() => void store.remove(todo.id)}
              />
            ))}
          </ul>
        </section>
      )}
      {todos.length > 0 && (
        <Footer
          activeCount={active}
          completedCount={todos.length - active}
          filter={filter}
          onClearCompleted={() => void store.clearCompleted()}
        />
      )}
      {!loaded && error === null && <p className="loading">Loading…</p>}
    </>
  );
}
