import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSecret } from './secret-file.ts';

describe('readSecret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-secret-'));
  const file = join(dir, 'TOKEN');
  writeFileSync(file, 's3cret\n');
  writeFileSync(join(dir, 'EMPTY'), '\n');

  it('reads the file <name>_FILE names without its final newline, before <name> itself', () => {
    expect(readSecret({ TOKEN_FILE: file, TOKEN: 'from-env' }, 'TOKEN')).toBe('s3cret');
    expect(readSecret({ TOKEN: 'from-env' }, 'TOKEN')).toBe('from-env');
    expect(readSecret({ TOKEN: '', TOKEN_FILE: '' }, 'TOKEN')).toBeUndefined();
  });

  it('names the variable when the file cannot be read or is empty', () => {
    expect(() => readSecret({ TOKEN_FILE: `${file}.missing` }, 'TOKEN')).toThrow(
      /'TOKEN_FILE' = '.*TOKEN\.missing': cannot read it \(ENOENT\)/,
    );
    expect(() => readSecret({ TOKEN_FILE: join(dir, 'EMPTY') }, 'TOKEN')).toThrow(/'TOKEN_FILE' = '.*EMPTY' is empty/);
  });
});
