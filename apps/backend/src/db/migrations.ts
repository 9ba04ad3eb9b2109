/** One schema change; `version` orders them and is recorded in `schema_migrations` once applied. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The schema, oldest first. Append new migrations; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'create todos',
    sql: `
      CREATE TABLE todos (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        title text NOT NULL CHECK (title <> ''),
        completed boolean NOT NULL DEFAULT false,
        "order" integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX todos_list_order ON todos ("order", created_at, id);
    `,
  },
];
