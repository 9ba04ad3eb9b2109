import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { envName, NON_CONFIG_VARIABLES } from '@stratus/config';
import { describe, expect, it } from 'vitest';
import { stratusConfigSchema } from '../../packages/config/src/schema.ts';
import { knownPaths } from '../../packages/config/src/unknown-keys.ts';

/** Every variable that sets a config field (a record's entries are set through the record's own variable, as JSON). */
const fieldVariables = new Set(
  knownPaths(stratusConfigSchema)
    .filter((path) => !path.includes('*'))
    .map((path) => envName(path)),
);

/** The source files a script, an app, a chart or a workflow reads variables in; tests and docs may show typos. */
function sources(): string[] {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !f.startsWith('dist/') && !f.endsWith('.test.ts') && !f.endsWith('.md') && !f.includes('/gen/'));
  return files.filter((f) => /\.(ts|tsx|mjs|js|sh|ya?ml|json)$|Dockerfile$|^\.ci\//.test(f));
}

describe('STRATUS_* variables in the repository', () => {
  it('each name a config field or is declared in NON_CONFIG_VARIABLES', () => {
    const unknown: string[] = [];
    let seen = 0;
    for (const file of sources()) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const [name] of text.matchAll(/\bSTRATUS_[A-Z0-9_]*[A-Z0-9]\b/g)) {
        seen += 1;
        if (!fieldVariables.has(name) && !Object.hasOwn(NON_CONFIG_VARIABLES, name)) unknown.push(`${file}: ${name}`);
      }
    }
    expect(seen).toBeGreaterThan(5);
    expect(unknown).toEqual([]);
  });

  it('declare no non-config variable that would shadow a config field', () => {
    for (const name of Object.keys(NON_CONFIG_VARIABLES)) {
      const shadowed = [...fieldVariables].filter((v) => v === name || v.startsWith(`${name}__`));
      expect(shadowed, name).toEqual([]);
    }
  });
});
