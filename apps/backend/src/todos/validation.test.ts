import { describe, expect, it } from 'vitest';
import { MAX_ORDER, MIN_ORDER, parseNewTodo, parseTodoId, parseTodoPatch, TodoValidationError } from './validation.ts';

function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof TodoValidationError) return e.problems;
    throw e;
  }
  throw new Error('expected a TodoValidationError');
}

describe('parseNewTodo', () => {
  it('trims the title and defaults completed to false and order to the end', () => {
    expect(parseNewTodo({ title: '  walk the dog \n' })).toEqual({ title: 'walk the dog', completed: false, order: undefined });
    expect(parseNewTodo({ title: 'x', completed: true, order: -3, id: 9, url: 'u' })).toEqual({
      title: 'x',
      completed: true,
      order: -3,
    });
  });

  it('refuses bodies that are not JSON objects', () => {
    for (const body of [undefined, null, 'title', 42, [{ title: 'x' }]]) {
      expect(problems(() => parseNewTodo(body))).toEqual(['the body must be a JSON object']);
    }
  });

  it('requires a non-empty string title', () => {
    expect(problems(() => parseNewTodo({}))).toEqual(['title is required']);
    expect(problems(() => parseNewTodo({ title: 5 }))).toEqual(['title must be a string']);
    expect(problems(() => parseNewTodo({ title: null }))).toEqual(['title must be a string']);
    expect(problems(() => parseNewTodo({ title: ' \t\n ' }))).toEqual(['title must not be empty']);
  });

  it('counts the 1,000 character limit in code points after trimming', () => {
    expect(parseNewTodo({ title: ` ${'a'.repeat(1000)} ` }).title).toHaveLength(1000);
    expect(parseNewTodo({ title: '😀'.repeat(1000) }).title).toBe('😀'.repeat(1000));
    expect(problems(() => parseNewTodo({ title: 'a'.repeat(1001) }))).toEqual([
      'title must be at most 1000 characters after trimming',
    ]);
    expect(problems(() => parseNewTodo({ title: '😀'.repeat(1001) }))).toHaveLength(1);
  });

  it('refuses text PostgreSQL cannot store exactly', () => {
    expect(problems(() => parseNewTodo({ title: 'a\u0000b' }))).toEqual(['title must not contain NUL characters']);
    expect(problems(() => parseNewTodo({ title: 'a\ud800b' }))).toEqual([
      'title must be valid Unicode (it has an unpaired surrogate)',
    ]);
  });

  it('checks completed and order types and names every problem at once', () => {
    expect(problems(() => parseNewTodo({ title: 'x', completed: 'yes', order: 1.5 }))).toEqual([
      'completed must be a boolean',
      `order must be an integer from ${MIN_ORDER} to ${MAX_ORDER}`,
    ]);
    expect(problems(() => parseNewTodo({ title: 'x', order: '1' }))).toHaveLength(1);
    expect(problems(() => parseNewTodo({ title: 'x', order: MAX_ORDER + 1 }))).toHaveLength(1);
    expect(problems(() => parseNewTodo({ title: 'x', order: null }))).toHaveLength(1);
    expect(parseNewTodo({ title: 'x', order: MIN_ORDER }).order).toBe(MIN_ORDER);
  });
});

describe('parseTodoPatch', () => {
  it('keeps only the fields given', () => {
    expect(parseTodoPatch({})).toEqual({});
    expect(parseTodoPatch({ completed: true, id: 3 })).toEqual({ completed: true });
    expect(parseTodoPatch({ title: ' t ', order: 7 })).toEqual({ title: 't', order: 7 });
  });

  it('applies the same rules as creation', () => {
    expect(problems(() => parseTodoPatch([]))).toEqual(['the body must be a JSON object']);
    expect(problems(() => parseTodoPatch({ title: '' }))).toEqual(['title must not be empty']);
    expect(problems(() => parseTodoPatch({ completed: 1 }))).toEqual(['completed must be a boolean']);
    expect(problems(() => parseTodoPatch({ order: 'first' }))).toHaveLength(1);
  });
});

describe('parseTodoId', () => {
  it('accepts positive decimal ids that fit a bigint', () => {
    expect(parseTodoId('1')).toBe('1');
    expect(parseTodoId('9223372036854775807')).toBe('9223372036854775807');
  });

  it('rejects anything else', () => {
    for (const raw of ['0', '01', '-1', '1.0', '1e3', 'abc', '', ' 1', '9223372036854775808', '99999999999999999999']) {
      expect(parseTodoId(raw)).toBeUndefined();
    }
  });
});
