import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { IConstruct } from 'constructs';

/** Where the pod spec sits in each kind that holds one. */
const POD_SPEC_PATH: Readonly<Record<string, string>> = {
  Pod: '/spec',
  Deployment: '/spec/template/spec',
  StatefulSet: '/spec/template/spec',
  DaemonSet: '/spec/template/spec',
  Job: '/spec/template/spec',
  CronJob: '/spec/jobTemplate/spec/template/spec',
};

export class PodSecurityError extends Error {
  override readonly name = 'PodSecurityError';
}

/**
 * The one place that completes the Pod Security "restricted" profile for every pod under `scope`: cdk8s-plus-27
 * has no `seccompProfile` and cannot express `capabilities.drop: [ALL]`, so both are added as JSON patches on the
 * rendered pod templates. Charts set the rest (non-root, no privilege escalation, read-only root filesystem).
 */
export function applyRestrictedPodSecurity(scope: IConstruct): number {
  let pods = 0;
  for (const construct of scope.node.findAll()) {
    if (!(construct instanceof kplus.AbstractPod)) continue;
    const apiObject = ApiObject.of(construct);
    const path = POD_SPEC_PATH[apiObject.kind];
    if (!path) throw new PodSecurityError(`${construct.node.path}: kind ${apiObject.kind} has no known pod template path`);
    apiObject.addJsonPatch(JsonPatch.add(`${path}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }));
    const drop = { drop: ['ALL'] };
    construct.containers.forEach((_, i) => {
      apiObject.addJsonPatch(JsonPatch.add(`${path}/containers/${i}/securityContext/capabilities`, drop));
    });
    construct.initContainers.forEach((_, i) => {
      apiObject.addJsonPatch(JsonPatch.add(`${path}/initContainers/${i}/securityContext/capabilities`, drop));
    });
    pods += 1;
  }
  return pods;
}
