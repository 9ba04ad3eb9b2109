import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPS, loadConfig } from '@stratus/config';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { synthKubernetes } from '../../packages/k8s/src/synth.ts';
import { digestsFromDir, releaseNotes, unpinnedAppImages } from '../../scripts/release-digests.ts';
import { imagesIn } from '../support/images.ts';

const digestOf = (i: number) => `sha256:${String(i).repeat(64).slice(0, 64)}`;

/** What the release's image jobs leave behind: one file per app with the digest docker/build-push-action reported. */
function digestDir(apps: readonly string[] = APPS): string {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-digests-'));
  apps.forEach((app, i) => {
    writeFileSync(join(dir, app), `${digestOf(i + 1)}\n`);
  });
  return dir;
}

describe('the digests of a release', () => {
  it('are read from one file per app, all apps required', () => {
    expect(digestsFromDir(digestDir())).toEqual(Object.fromEntries(APPS.map((app, i) => [app, digestOf(i + 1)])));
    expect(() => digestsFromDir(digestDir(APPS.slice(1)))).toThrow(/backend: missing; the image job of backend writes it/);
    const bad = digestDir();
    writeFileSync(join(bad, 'frontend'), 'latest\n');
    writeFileSync(join(bad, 'frontnd'), `${digestOf(9)}\n`);
    expect(() => digestsFromDir(bad)).toThrow(/frontend: 'latest' is not a sha256 digest[\s\S]*frontnd: not an app/);
  });

  it('pin every app image of the synthesized manifests, and the notes list name:tag@digest', () => {
    const digests = digestsFromDir(digestDir());
    const env = { STRATUS_VERSION: '1.2.3', STRATUS_IMAGES__OWNER: 'acme', STRATUS_IMAGES__DIGESTS: JSON.stringify(digests) };
    const config = loadConfig({ env });
    const out = mkdtempSync(join(tmpdir(), 'stratus-release-'));
    const files = synthKubernetes(config, join(out, 'k8s'));
    const images = files.flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).flatMap((d) => imagesIn(d.toJS())));
    const ours = new Set(images.filter((i) => i.startsWith('ghcr.io/acme/')));
    expect(ours).toEqual(new Set(APPS.map((app) => `ghcr.io/acme/${app}:1.2.3@${digests[app]}`)));
    expect(unpinnedAppImages(config, out)).toEqual([]);
    expect(releaseNotes(config)).toBe(APPS.map((app) => `- \`ghcr.io/acme/${app}:1.2.3@${digests[app]}\`\n`).join(''));
    const cli = execFileSync('pnpm', ['--silent', 'exec', 'tsx', 'scripts/release-digests.ts', 'verify', out], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    expect(cli).toBe('');
    rmSync(out, { recursive: true });
  });

  it('verify refuses manifests that reference app images by tag alone, as the committed dist/ does', () => {
    const config = loadConfig({ env: {} });
    expect(unpinnedAppImages(config, 'dist')).toEqual(
      APPS.map((app) => `ghcr.io/stratus-platform/${app}:${config.version}`).sort(),
    );
    const dir = mkdtempSync(join(tmpdir(), 'stratus-unpinned-'));
    mkdirSync(join(dir, 'k8s'));
    writeFileSync(join(dir, 'k8s', 'a.yaml'), 'image: ghcr.io/stratus-platform/backend:0.1.0\n');
    expect(() =>
      execFileSync('pnpm', ['--silent', 'exec', 'tsx', 'scripts/release-digests.ts', 'verify', dir], {
        stdio: 'pipe',
        env: { ...process.env },
      }),
    ).toThrow(/not pinned by digest[\s\S]*backend:0\.1\.0/);
  });
});

describe('release.yml', () => {
  interface Step {
    readonly id?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly env?: Record<string, string>;
    readonly with?: Record<string, unknown>;
  }
  const workflow = parse(readFileSync('.github/workflows/release.yml', 'utf8')) as {
    jobs: Record<string, { steps: Step[] }>;
  };

  it('hands each build digest to the manifests job, which synthesizes with them and verifies the pins', () => {
    const images = workflow.jobs.images?.steps ?? [];
    const build = images.find((s) => s.uses?.startsWith('docker/build-push-action'));
    expect(build?.id).toBe('build');
    expect(images.find((s) => s.env?.DIGEST)?.env?.DIGEST).toMatch(/^\$\{\{ steps\.build\.outputs\.digest \}\}$/);
    expect(images.find((s) => s.uses?.startsWith('actions/upload-artifact'))?.with?.name).toMatch(
      /^digest-\$\{\{ matrix\.app \}\}$/,
    );
    const runs = (workflow.jobs.manifests?.steps ?? []).map((s) => s.run ?? '').join('\n');
    expect(runs).toMatch(/STRATUS_IMAGES__DIGESTS=\$digests/);
    expect(runs).toMatch(/release-digests\.ts verify dist/);
    expect(runs).toMatch(/release-digests\.ts notes/);
    expect(runs.indexOf('release-digests.ts json')).toBeLessThan(runs.indexOf('scripts/synth.sh'));
  });
});
