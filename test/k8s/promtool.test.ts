import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaults } from '@stratus/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMETHEUS_FILES } from '../../packages/k8s/src/prometheus.ts';
import { SA_DIR } from '../../packages/k8s/src/prometheus-config.ts';
import { buildCharts } from '../../packages/k8s/src/synth.ts';
import { rig } from '../support/rig.ts';

let env: Record<string, string> = {};
const dir = mkdtempSync(join(tmpdir(), 'promtool-'));

const promtool = (binary: string | undefined, ...args: string[]) => {
  const result = spawnSync(binary ?? 'promtool', args, { cwd: dir, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};

describe('promtool on the generated Prometheus config and rules', () => {
  beforeAll(async () => {
    env = await rig('promtool');
    const { monitoring } = buildCharts(defaults);
    // The files the kubelet mounts in the pod, at a path of their own here, so promtool checks that they are read.
    const serviceAccount = join(dir, 'serviceaccount');
    mkdirSync(serviceAccount);
    writeFileSync(join(serviceAccount, 'token'), 'token');
    writeFileSync(join(serviceAccount, 'ca.crt'), '');
    for (const [file, content] of Object.entries(monitoring.prometheus.files)) {
      writeFileSync(join(dir, file), content.replaceAll(SA_DIR, serviceAccount));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`passes check config with promtool ${defaults.versions.prometheus} (which has Kubernetes discovery)`, () => {
    const result = promtool(env.PROMTOOL, 'check', 'config', PROMETHEUS_FILES.config);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it.each([
    ['the matching build', 'PROMTOOL'],
    ["Debian's prometheus package", 'DEBIAN_PROMTOOL'],
  ])('passes check rules with %s', (_, key) => {
    const result = promtool(env[key], 'check', 'rules', PROMETHEUS_FILES.rules);
    expect(result.output).toMatch(/SUCCESS: 4 rules found/);
    expect(result.status).toBe(0);
  });

  it('fails on a broken rule, so the checks above can fail', () => {
    writeFileSync(
      join(dir, 'broken.yml'),
      'groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(rate(x[5m]) >\n',
    );
    expect(promtool(env.PROMTOOL, 'check', 'rules', 'broken.yml').status).not.toBe(0);
  });
});
