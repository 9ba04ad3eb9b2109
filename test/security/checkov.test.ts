import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '@stratus/config';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthTerraform } from '../../packages/infra/src/synth.ts';
import { synthKubernetes } from '../../packages/k8s/src/synth.ts';
import { rig } from '../support/rig.ts';

interface CheckResult {
  readonly check_id: string;
  readonly resource: string;
  readonly check_result: { readonly result: string; readonly suppress_comment?: string };
}
interface Report {
  readonly check_type: string;
  readonly results: {
    readonly passed_checks: CheckResult[];
    readonly failed_checks: CheckResult[];
    readonly skipped_checks: CheckResult[];
  };
}

let checkov = '';

/** Runs checkov on a directory of one framework, offline, and returns its report. */
async function scan(dir: string, framework: 'kubernetes' | 'terraform_json'): Promise<Report> {
  const { stdout: out } = await promisify(execFile)(
    checkov,
    ['-d', dir, '--framework', framework, '--skip-download', '--output', 'json', '--soft-fail'],
    {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, BC_SKIP_MAPPING: 'TRUE' },
    },
  );
  const parsed = JSON.parse(out) as Report | Report[];
  const reports = Array.isArray(parsed) ? parsed : [parsed];
  const report = reports.find((r) => r.check_type === framework);
  if (!report) throw new Error(`checkov reported no ${framework} results for ${dir}: ${out.slice(0, 500)}`);
  return report;
}

const failures = (r: Report) => r.results.failed_checks.map((c) => `${c.check_id} ${c.resource}`).sort();

beforeAll(async () => {
  checkov = (await rig('checkov')).CHECKOV ?? '';
  expect(checkov).not.toBe('');
});

describe('checkov on dist/', () => {
  it('finds no unexplained failure in dist/k8s, and every skip gives its reason', async () => {
    const report = await scan('dist/k8s', 'kubernetes');
    expect(report.results.passed_checks.length).toBeGreaterThan(500);
    expect(failures(report)).toEqual([]);
    for (const skipped of report.results.skipped_checks) {
      const reason = skipped.check_result.suppress_comment ?? '';
      expect(reason, `${skipped.check_id} ${skipped.resource}`).toMatch(/^\S+( \S+){4,}/);
      expect(reason).not.toBe('No comment provided');
    }
  });

  it('finds no failure in dist/terraform', async () => {
    const report = await scan('dist/terraform', 'terraform_json');
    expect(report.results.passed_checks.length).toBeGreaterThan(10);
    expect(failures(report)).toEqual([]);
    expect(report.results.skipped_checks).toEqual([]);
  });

  it('does fail a low uid and SSH open to the world (the scans can fail)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'stratus-checkov-'));
    const config = loadConfig({
      env: {},
      overrides: { images: { uids: { node: 1000 } }, openstack: { adminCidr: '0.0.0.0/0' } },
    });
    synthKubernetes(config, join(out, 'k8s'));
    synthTerraform(config, join(out, 'terraform'));
    expect(failures(await scan(join(out, 'k8s'), 'kubernetes'))).toContain('CKV_K8S_40 Deployment.todo.backend');
    expect(failures(await scan(join(out, 'terraform'), 'terraform_json')).some((f) => f.startsWith('CKV_OPENSTACK_2 '))).toBe(
      true,
    );
  });
});
