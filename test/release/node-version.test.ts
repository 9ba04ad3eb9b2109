import { readFileSync } from 'node:fs';
import { APPS, defaults } from '@stratus/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { appBuilds, DOCKERFILE, dockerfileBaseImages } from '../../scripts/images.ts';

interface Step {
  readonly uses?: string;
  readonly with?: Record<string, unknown>;
}

const dockerfile = readFileSync(DOCKERFILE, 'utf8');
const argDefaults = Object.fromEntries(
  [...dockerfile.matchAll(/^ARG\s+(\w+)=(\S+)\s*$/gm)].map(([, name = '', value = '']) => [name, value]),
);
const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as {
  packageManager: string;
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const major = defaults.versions.node.split('.')[0];

describe('one Node.js version (versions.node) everywhere', () => {
  it("is the default of the Dockerfile's build arguments, with nginx and pnpm", () => {
    const args = appBuilds(defaults)[0]?.buildArgs ?? {};
    expect(argDefaults).toEqual({
      NODE_VERSION: args.NODE_VERSION,
      NGINX_VERSION: args.NGINX_VERSION,
      PNPM_VERSION: args.PNPM_VERSION,
    });
    expect(argDefaults.NODE_VERSION).toBe(defaults.versions.node);
    expect(argDefaults.NGINX_VERSION).toBe(defaults.versions.nginx);
    expect(`pnpm@${argDefaults.PNPM_VERSION}`).toBe(packageJson.packageManager);
  });

  it('names the base images every app is built on, with nothing left unexpanded', () => {
    const bases = dockerfileBaseImages(dockerfile, appBuilds(defaults));
    expect(bases).toEqual(
      [
        `node:${defaults.versions.node}-bookworm-slim`,
        `node:${defaults.versions.node}-alpine`,
        `nginxinc/nginx-unprivileged:${defaults.versions.nginx}`,
      ].sort(),
    );
    expect(appBuilds(defaults).map((b) => b.app)).toEqual([...APPS]);
  });

  it('is what every workflow sets up', () => {
    for (const file of ['.github/workflows/ci.yml', '.github/workflows/release.yml']) {
      const workflow = parse(readFileSync(file, 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
      const setups = Object.values(workflow.jobs)
        .flatMap((job) => job.steps)
        .filter((step) => step.uses?.startsWith('actions/setup-node@'));
      expect(setups.length, file).toBeGreaterThan(0);
      for (const step of setups) expect(String(step.with?.['node-version']), file).toBe(defaults.versions.node);
    }
  });

  it("is the workspace's engines range, @types/node major, esbuild target and the README's prerequisite", () => {
    expect(packageJson.engines.node).toBe(`>=${major}`);
    expect(packageJson.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${major}\\.`));
    for (const app of ['backend', 'producer', 'processor']) {
      const build = (JSON.parse(readFileSync(`apps/${app}/package.json`, 'utf8')) as { scripts: { build: string } }).scripts
        .build;
      expect(build, app).toContain(`--target=node${major} `);
    }
    expect(readFileSync('README.md', 'utf8')).toContain(`Node.js ${major} LTS`);
  });
});
