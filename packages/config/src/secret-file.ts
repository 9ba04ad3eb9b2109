import { readFileSync } from 'node:fs';

export class SecretFileError extends Error {
  override readonly name = 'SecretFileError';
}

/**
 * A credential as containers are given one: from the file `<name>_FILE` names (a mounted Secret), without its final
 * newline, else from `<name>` itself; undefined when neither is set. A file that cannot be read or is empty throws a
 * SecretFileError naming the variable.
 */
export function readSecret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return env[name] === '' ? undefined : env[name];
  let value: string;
  try {
    value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    throw new SecretFileError(
      `'${name}_FILE' = '${file}': cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  if (value === '') throw new SecretFileError(`'${name}_FILE' = '${file}' is empty`);
  return value;
}
