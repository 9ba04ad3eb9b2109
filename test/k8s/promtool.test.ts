import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaults } from '@stratus/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { PROMETHEUS_FILES } from '../../packages/k8s/src/prometheus.ts';
import { alertRules, SA_DIR } from '../../packages/k8s/src/prometheus-config.ts';
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

  it("fires TodoApiErrorRatioHigh on the API's 5xx, not on a starting pod's /readyz 503s (promtool test rules)", () => {
    const alertname = 'TodoApiErrorRatioHigh';
    const rule = alertRules(defaults).groups[0]?.rules.find((r) => r.alert === alertname);
    if (!rule) throw new Error(`no rule ${alertname}`);
    const requests = (route: string, status: number, perMinute: number) => ({
      series: `http_request_duration_seconds_count{namespace="${defaults.todo.namespace}",route="${route}",method="GET",status="${status}"}`,
      values: `0+${perMinute}x30`,
    });
    const served = requests('/api/todos', 200, 20);
    const at = (inputSeries: object[], expAlerts: object[]) => ({
      interval: '1m',
      input_series: inputSeries,
      alert_rule_test: [{ eval_time: '20m', alertname, exp_alerts: expAlerts }],
    });
    const firing = {
      exp_labels: rule.labels,
      exp_annotations: {
        summary: rule.annotations.summary.replace('{{ $value | humanizePercentage }}', '20%'),
        description: rule.annotations.description,
      },
    };
    writeFileSync(
      join(dir, 'alerts.test.yml'),
      stringify({
        rule_files: [PROMETHEUS_FILES.rules],
        evaluation_interval: '1m',
        tests: [at([served, requests('/readyz', 503, 12)], []), at([served, requests('/api/todos/:id', 503, 5)], [firing])],
      }),
    );
    const result = promtool(env.PROMTOOL, 'test', 'rules', 'alerts.test.yml');
    expect(result.output).toContain('SUCCESS');
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
