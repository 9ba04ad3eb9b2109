import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { APPS } from '@stratus/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rig } from '../support/rig.ts';

const workflows = ['.github/workflows/ci.yml', '.github/workflows/release.yml'];

interface Workflow {
  readonly on: Record<string, unknown>;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, { permissions?: Record<string, string>; strategy?: { matrix?: { app?: string[] } } }>;
}

const load = (file: string) => parse(readFileSync(file, 'utf8')) as Workflow;
const apps = [...APPS].sort();

describe('GitHub workflows', () => {
  it('pass actionlint (with shellcheck on every run script)', async () => {
    const { ACTIONLINT } = await rig('actionlint');
    expect(ACTIONLINT).toBeTruthy();
    const out = execFileSync(ACTIONLINT as string, ['-color=false', ...workflows], { encoding: 'utf8' });
    expect(out).toBe('');
  });

  it('build exactly the apps of @stratus/config', () => {
    expect(apps.length).toBeGreaterThan(0);
    expect([...(load('.github/workflows/release.yml').jobs.images?.strategy?.matrix?.app ?? [])].sort()).toEqual(apps);
    expect([...(load('.github/workflows/ci.yml').jobs.images?.strategy?.matrix?.app ?? [])].sort()).toEqual(apps);
  });

  it('run test/cluster in CI against k3d with images built from apps/Dockerfile, and keep it out of the rig job', () => {
    const ci = readFileSync('.github/workflows/ci.yml', 'utf8');
    const jobs = (parse(ci) as { jobs: Record<string, { steps: { run?: string }[] }> }).jobs;
    const runs = (job: string) => (jobs[job]?.steps ?? []).map((s) => s.run ?? '').join('\n');
    expect(runs('cluster')).toMatch(/docker buildx build --load --file apps\/Dockerfile/);
    expect(runs('cluster')).toMatch(/k3d cluster create/);
    expect(runs('cluster')).toMatch(/vitest run --project cluster/);
    expect(runs('test')).toMatch(/vitest run --project unit --project integration/);
  });

  it('release on semver tags with minimal permissions', () => {
    const release = load('.github/workflows/release.yml');
    expect(release.on).toEqual({ push: { tags: ['v*.*.*'] } });
    expect(release.permissions).toEqual({ contents: 'read' });
    expect(release.jobs.images?.permissions).toEqual({ contents: 'read', packages: 'write' });
    expect(release.jobs.manifests?.permissions).toEqual({ contents: 'write' });
    expect(load('.github/workflows/ci.yml').permissions).toEqual({ contents: 'read' });
  });
});
