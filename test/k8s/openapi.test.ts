import { readFileSync } from 'node:fs';
import { defaults } from '@stratus/config';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { OpenApiValidator } from '../../packages/k8s/src/openapi-validator.ts';
import { renderManifests } from '../../packages/k8s/src/synth.ts';
import { rigCommand } from '../support/rig.ts';

const spec = rigCommand('kube-apiserver', 'openapi')
  .split('\n')
  .find((line) => line.startsWith('OPENAPI_SPEC='))
  ?.slice('OPENAPI_SPEC='.length);
if (!spec) throw new Error('the kube-apiserver rig printed no OPENAPI_SPEC');
const validator = new OpenApiValidator(JSON.parse(readFileSync(spec, 'utf8')));
const objects = renderManifests(defaults).flatMap((m) => parseAllDocuments(m.yaml).map((d) => d.toJSON()));

describe(`OpenAPI schema of Kubernetes ${defaults.versions.kubernetes} (k8s.io/kubernetes module, offline)`, () => {
  it('validates every synthesized object, closed to unknown fields', () => {
    expect(objects.length).toBeGreaterThan(60);
    expect(objects.flatMap((o) => validator.validate(o))).toEqual([]);
  });

  it('rejects a wrong type, an unknown field and an unknown kind', () => {
    const deployment = objects.find((o) => o.kind === 'Deployment');
    const broken = structuredClone(deployment);
    broken.spec.replicas = 'two';
    broken.spec.template.spec.containers[0].imagee = 'typo';
    const problems = validator.validate(broken).map((v) => `${v.path} ${v.message}`);
    expect(problems).toContain('/spec/replicas must be integer');
    expect(problems).toContain('/spec/template/spec/containers/0 must NOT have additional properties: imagee');
    expect(validator.validate({ apiVersion: 'extensions/v1beta1', kind: 'Ingress', metadata: { name: 'old' } })).toHaveLength(1);
  });
});
