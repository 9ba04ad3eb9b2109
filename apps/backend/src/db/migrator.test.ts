import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations.ts';
import { checkMigrations, MigrationError, pendingMigrations } from './migrator.ts';

describe('migrations', () => {
  it('ships versions that increase from 1', () => {
    expect(() => checkMigrations(MIGRATIONS)).not.toThrow();
    expect(MIGRATIONS[0]?.version).toBe(1);
  });

  it('rejects duplicate or decreasing versions', () => {
    const m = (version: number) => ({ version, name: `m${version}`, sql: 'SELECT 1' });
    expect(() => checkMigrations([m(1), m(1)])).toThrow(MigrationError);
    expect(() => checkMigrations([m(2), m(1)])).toThrow(/versions must be integers increasing from 1/);
    expect(() => checkMigrations([m(0)])).toThrow(MigrationError);
  });

  it('lists only the migrations not applied yet, in order', () => {
    const all = [1, 2, 3].map((version) => ({ version, name: `m${version}`, sql: '' }));
    expect(pendingMigrations(all, new Set([1, 3])).map((m) => m.version)).toEqual([2]);
    expect(pendingMigrations(all, new Set([1, 2, 3]))).toEqual([]);
  });
});
