import { type KeyboardEvent, useState } from 'react';

export interface NewTodoProps {
  /** Called with the title as typed when Enter is pressed. */
  readonly onAdd: (title: string) => void;
}

/** The header with the input that adds a todo on Enter; blank titles are ignored. */
export function NewTodo({ onAdd }: NewTodoProps) {
  const [title, setTitle] = useState('');
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter' || e.nativeEvent.isComposing) return;
    if (title.trim() === '') return;
    onAdd(title);
    setTitle('');
  };
  return (
    <header className="header">
      <h1>todos</h1>
      <input
        className="new-todo"
        placeholder="What needs to be done?"
        aria-label="New todo"
        // biome-ignore lint/a11y/noAutofocus: the TodoMVC specification asks for the input to have focus on load
        autoFocus
        value={title}
        onChange={(e) => setTitle(e.target.value)}
        onKeyDown={onKeyDown}
      />
    </header>
  );
}
