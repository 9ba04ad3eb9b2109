import { defaults, imageRef, parseConfig } from '@stratus/config';
import { ApiObject, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { describe, expect, it } from 'vitest';
import { explainUnpinnedImages, skipCheck, unpinnedReason } from './checkov.ts';

const digest = `sha256:${'a'.repeat(64)}`;

function deployment(image: string) {
  const chart = new Chart(Testing.app(), 'test');
  const d = new kplus.Deployment(chart, 'D', { containers: [{ image, securityContext: { ensureNonRoot: false } }] });
  return { chart, d, annotations: () => ApiObject.of(d).toJson().metadata.annotations as Record<string, string> | undefined };
}

describe('skipCheck', () => {
  it('numbers checkov skip annotations on the object, check=reason', () => {
    const { d, annotations } = deployment('x:1');
    skipCheck(d, 'CKV_K8S_38', 'needs the API');
    skipCheck(d, 'CKV_K8S_43', 'no digest');
    expect(annotations()).toEqual({ 'checkov.io/skip1': 'CKV_K8S_38=needs the API', 'checkov.io/skip2': 'CKV_K8S_43=no digest' });
  });

  it('refuses a reason checkov cannot parse, an unknown id, and a second reason for the same check', () => {
    const { d } = deployment('x:1');
    expect(() => skipCheck(d, 'CKV_K8S_38', 'a=b')).toThrow(/without "="/);
    expect(() => skipCheck(d, 'CKV_K8S_38', ' ')).toThrow(/'reason'/);
    expect(() => skipCheck(d, 'K8S_38', 'x')).toThrow(/'check' must be/);
    skipCheck(d, 'CKV_K8S_38', 'x');
    expect(() => skipCheck(d, 'CKV_K8S_38', 'y')).toThrow(/already skipped/);
  });
});

describe('explainUnpinnedImages', () => {
  it('leaves a workload whose images are pinned alone', () => {
    const { chart, annotations } = deployment(`postgres:15.18@${digest}`);
    expect(explainUnpinnedImages(chart, defaults)).toBe(0);
    expect(annotations()).toBeUndefined();
  });

  it('explains an unpinned image with the digest and pull-policy skips', () => {
    const { chart, annotations } = deployment('apache/kafka:4.4.0');
    expect(explainUnpinnedImages(chart, defaults)).toBe(1);
    expect(annotations()?.['checkov.io/skip1']).toMatch(/^CKV_K8S_43=no digest of apache\/kafka:4\.4\.0 is recorded/);
    expect(annotations()?.['checkov.io/skip2']).toMatch(/^CKV_K8S_15=pulls IfNotPresent/);
  });
});

describe('unpinnedReason', () => {
  it('names the switch, the release build or the missing upstream digest', () => {
    const off = parseConfig({ images: { pinDigests: false } });
    expect(unpinnedReason(off, 'postgres:15.18')).toMatch(/images\.pinDigests is false/);
    expect(unpinnedReason(defaults, imageRef(defaults, 'backend'))).toMatch(/images\.digests\.backend/);
    expect(unpinnedReason(defaults, 'x/y:1')).toMatch(/pnpm images:pin/);
  });
});
