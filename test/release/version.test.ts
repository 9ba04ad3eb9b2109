import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { APPS, loadConfig } from '@stratus/config';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { synthTerraform } from '../../packages/infra/src/synth.ts';
import { synthKubernetes } from '../../packages/k8s/src/synth.ts';
import { imagesIn } from '../support/images.ts';

const version = '1.2.3';
const owner = 'acme-release';
let k8sText = '';
let terraform: string[] = [];

interface Instance {
  readonly user_data: string;
}

beforeAll(() => {
  const out = mkdtempSync(join(tmpdir(), 'stratus-release-'));
  const config = loadConfig({ env: { STRATUS_VERSION: version, STRATUS_IMAGES__OWNER: owner } });
  const k8sFiles = synthKubernetes(config, join(out, 'k8s'));
  terraform = synthTerraform(config, join(out, 'terraform'));
  k8sText = k8sFiles.map((f) => readFileSync(f, 'utf8')).join('\n');
  expect(readdirSync(join(out, 'terraform', 'stacks')).sort()).toEqual(['cluster', 'web']);
});

describe('a release version set for synth', () => {
  it('pins every Stratus image in dist/k8s to that version', () => {
    const images = parseAllDocuments(k8sText).flatMap((doc) => imagesIn(doc.toJS()));
    const ours = images.filter((image) => image.startsWith(`ghcr.io/${owner}/`));
    expect(new Set(ours)).toEqual(
      new Set(
        ['backend', 'frontend', 'producer', 'processor', 'archiver', 'lake-batch', 'lake-spark'].map(
          (app) => `ghcr.io/${owner}/${app}:${version}`,
        ),
      ),
    );
    expect(images.filter((image) => image.includes('stratus-platform'))).toEqual([]);
  });

  it('leaves no other Stratus tag anywhere', () => {
    const all = [k8sText, ...terraform.map((f) => readFileSync(f, 'utf8'))].join('\n');
    const tags = [...all.matchAll(/ghcr\.io\/[a-z0-9-]+\/([a-z-]+):([^\s"'\\]+)/g)].map((m) => `${m[1]}:${m[2]}`);
    for (const tag of tags) expect(tag).toMatch(new RegExp(`^(${APPS.join('|')}):${version.replace(/\./g, '\\.')}$`));
  });

  it('sets the web stack app_version and boots the images of that version', () => {
    const file = terraform.find((f) => f.endsWith(join('web', 'cdk.tf.json')));
    expect(file).toBeDefined();
    const stack = JSON.parse(readFileSync(file as string, 'utf8'));
    expect(stack.variable.app_version.default).toBe(version);
    const [instance] = Object.values(stack.resource.openstack_compute_instance_v2) as Instance[];
    const userData = gunzipSync(Buffer.from(instance?.user_data ?? '', 'base64')).toString('utf8');
    const images = [...userData.matchAll(/ghcr\.io\/[^\s"']+/g)].map((m) => m[0]);
    expect(images.sort()).toEqual([`ghcr.io/${owner}/backend:\${APP_VERSION}`, `ghcr.io/${owner}/frontend:\${APP_VERSION}`]);
    expect(userData).not.toContain('0.1.0');
  });
});
