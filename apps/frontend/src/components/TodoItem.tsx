import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import type { Todo } from '../state/todo.ts';

export interface TodoItemProps {
  /** The todo shown. */
  readonly todo: Todo;
  /** Called when the checkbox changes. */
  readonly onToggle: (completed: boolean) => void;
  /** Called with the edited title when an edit is saved (Enter or blur). */
  readonly onRename: (title: string) => void;
  /** Called when the destroy button is clicked. */
  readonly onRemove: () => void;
}

/** One `li` of the list: a view, and on double-click an `input.edit` that saves on Enter or blur and cancels on Escape. */
export function TodoItem({ todo, onToggle, onRename, onRemove }: TodoItemProps) {
  const [draft, setDraft] = useState<string | null>(null);
  const editRef = useRef<HTMLInputElement>(null);
  /** Set once an edit is saved or cancelled, so the blur that follows does not save it again. */
  const closed = useRef(true);
  const editing = draft !== null;

  useEffect(() => {
    if (!editing) return;
    const input = editRef.current;
    input?.focus();
    input?.setSelectionRange(input.value.length, input.value.length);
  }, [editing]);

  const startEditing = () => {
    closed.current = false;
    setDraft(todo.title);
  };
  const close = (save: boolean) => {
    if (closed.current || draft === null) return;
    closed.current = true;
    setDraft(null);
    if (save) onRename(draft);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' && !e.nativeEvent.isComposing) close(true);
    else if (e.key === 'Escape') close(false);
  };
  const className = [todo.completed && 'completed', editing && 'editing'].filter(Boolean).join(' ');

  return (
    <li className={className || undefined}>
      <div className="view">
        <input
          className="toggle"
          type="checkbox"
          aria-label={`Toggle ${todo.title}`}
          checked={todo.completed}
          onChange={(e) => onToggle(e.target.checked)}
        />
        {/* biome-ignore lint/a11y/noLabelWithoutControl: TodoMVC's label shows the title; tied to the checkbox, a double-click would toggle it */}
        <label onDoubleClick={startEditing}>{todo.title}</label>
        <button type="button" className="destroy" aria-label={`Delete ${todo.title}`} onClick={onRemove} />
      </div>
      <input
        ref={editRef}
        className="edit"
        aria-label={`Edit ${todo.title}`}
        value={draft ?? todo.title}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKeyDown}
        onBlur={() => close(true)}
      />
    </li>
  );
}
