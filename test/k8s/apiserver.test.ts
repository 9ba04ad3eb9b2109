import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaults } from '@stratus/config';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderManifests, renderStream } from '../../packages/k8s/src/synth.ts';
import { rig } from '../support/rig.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = join(root, 'dist/k8s');
let env: Record<string, string> = {};

function kubectl(args: readonly string[], input?: string) {
  const result = spawnSync(env.KUBECTL ?? 'kubectl', args, {
    cwd: root,
    input,
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: env.KUBECONFIG },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const objects = renderManifests(defaults).flatMap((m) => parseAllDocuments(m.yaml).map((d) => d.toJSON()));

describe(`a real kube-apiserver ${defaults.versions.kubernetes} with etcd`, () => {
  beforeAll(async () => {
    env = await rig('kube-apiserver');
  });

  it('is the targeted version', () => {
    expect(JSON.parse(kubectl(['version', '-o', 'json']).stdout).serverVersion.gitVersion).toBe(
      `v${defaults.versions.kubernetes}`,
    );
  });

  it('reads dist/k8s as freshly synthesized', () => {
    const files = readdirSync(dist).sort();
    expect(files).toEqual(renderManifests(defaults).map((m) => m.file));
    for (const m of renderManifests(defaults)) expect(readFileSync(join(dist, m.file), 'utf8')).toBe(m.yaml);
  });

  it('accepts the namespaces, then a server-side dry run of all of dist/k8s with no error and no warning', () => {
    const namespaces = kubectl(['apply', '--server-side', '-f', join(dist, '00-namespaces.yaml')]);
    expect(namespaces.stderr).toBe('');
    expect(namespaces.status).toBe(0);
    const dryRun = kubectl(['apply', '--server-side', '--dry-run=server', '-f', `${dist}/`]);
    expect(dryRun.stderr).toBe('');
    expect(dryRun.status).toBe(0);
    expect(dryRun.stdout.trim().split('\n')).toHaveLength(objects.length);
  });

  it('accepts the piped single stream as well', () => {
    const piped = kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], renderStream(defaults));
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
  });

  it('warns through PodSecurity admission for a pod template that breaks "restricted" (the check above can fail)', () => {
    const bad = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'not-restricted', namespace: defaults.todo.namespace },
      spec: {
        selector: { matchLabels: { app: 'x' } },
        template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'x', image: 'x' }] } },
      },
    };
    const result = kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], JSON.stringify(bad));
    expect(result.stderr).toMatch(/would violate PodSecurity "restricted:v1\.\d+"/);
  });

  it('applies all of dist/k8s for real and reads every object back', () => {
    const applied = kubectl(['apply', '--server-side', '-f', `${dist}/`]);
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    const read = kubectl(['get', '-f', `${dist}/`, '-o', 'json']);
    expect(read.status).toBe(0);
    const items = (JSON.parse(read.stdout) as { items: { kind: string; metadata: { name: string; namespace?: string } }[] })
      .items;
    const id = (o: { kind: string; metadata: { name: string; namespace?: string } }) =>
      `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;
    expect(items.map(id).sort()).toEqual(objects.map(id).sort());
    const backend = items.find((o) => o.kind === 'Deployment' && o.metadata.name === 'backend') as unknown as {
      spec: { template: { spec: { securityContext: { seccompProfile: { type: string } } } } };
    };
    expect(backend.spec.template.spec.securityContext.seccompProfile.type).toBe('RuntimeDefault');
    expect(
      execFileSync(
        env.KUBECTL ?? 'kubectl',
        ['get', 'ingress', 'todo', '-n', 'todo', '-o', 'jsonpath={.spec.ingressClassName}'],
        {
          env: { ...process.env, KUBECONFIG: env.KUBECONFIG },
          encoding: 'utf8',
        },
      ),
    ).toBe('traefik');
  });
});
