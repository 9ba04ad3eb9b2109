import { FILTERS, type Filter } from '../state/filter.ts';
import { itemsLeft } from '../state/todos.ts';

export interface FooterProps {
  /** How many todos are not completed. */
  readonly activeCount: number;
  /** How many todos are completed; the clear button shows only when there are some. */
  readonly completedCount: number;
  /** The filter in the location hash, marked `.selected`. */
  readonly filter: Filter;
  /** Called when clear-completed is clicked. */
  readonly onClearCompleted: () => void;
}

/** The count of items left, the filter links and the clear-completed button. */
export function Footer({ activeCount, completedCount, filter, onClearCompleted }: FooterProps) {
  const [count, ...rest] = itemsLeft(activeCount).split(' ');
  return (
    <footer className="footer">
      <span className="todo-count">
        <strong>{count}</strong> {rest.join(' ')}
      </span>
      <ul className="filters">
        {FILTERS.map((f) => (
          <li key={f.filter}>
            <a href={f.href} className={f.filter === filter ? 'selected' : undefined}>
              {f.label}
            </a>
          </li>
        ))}
      </ul>
      {completedCount > 0 && (
        <button type="button" className="clear-completed" onClick={onClearCompleted}>
          Clear completed
        </button>
      )}
    </footer>
  );
}
