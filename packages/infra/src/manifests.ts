import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Manifest } from './k3s-cloud-init.ts';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(name) ? [path] : [];
    });
}

/** The synthesized Kubernetes manifests under `dir`, flattened to one file name each, in a stable order; none when `dir` is missing. */
export function readManifests(dir: string): Manifest[] {
  if (!existsSync(dir)) return [];
  return yamlFiles(dir).map((path) => ({
    name: relative(dir, path)
      .split(sep)
      .join('-')
      .replace(/\.yml$/, '.yaml'),
    content: readFileSync(path, 'utf8'),
  }));
}
