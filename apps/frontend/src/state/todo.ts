/** A todo as the frontend holds it; `id` is the server's id, or a client id while the create is in flight. */
export interface Todo {
  readonly id: string;
  readonly title: string;
  readonly completed: boolean;
  readonly order: number;
}

/** The fields a user can change. */
export type TodoChanges = Partial<Pick<Todo, 'title' | 'completed'>>;
