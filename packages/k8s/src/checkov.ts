import { APPS, imageRef, type StratusConfig } from '@stratus/config';
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { IConstruct } from 'constructs';

export class CheckovSkipError extends Error {
  override readonly name = 'CheckovSkipError';
}

const skipsOn = new WeakMap<ApiObject, Set<string>>();

/**
 * Records on the object that checkov's `check` fails there on purpose, and why, as checkov's own annotation
 * (`checkov.io/skipN: CKV_K8S_38=reason`), so that a reviewer reads the decision where it was made.
 */
export function skipCheck(target: IConstruct, check: string, reason: string): void {
  if (!/^CKV2?_K8S_\d+$/.test(check))
    throw new CheckovSkipError(`'check' must be a checkov Kubernetes check id such as CKV_K8S_38, got '${check}'`);
  if (reason.trim() === '' || /[=\n]/.test(reason)) {
    throw new CheckovSkipError(`${check}: 'reason' must be one line without "=" (checkov splits the annotation at "=")`);
  }
  const apiObject = ApiObject.of(target);
  const checks = skipsOn.get(apiObject) ?? new Set<string>();
  if (checks.has(check)) throw new CheckovSkipError(`${apiObject.name}: ${check} is already skipped; give one reason`);
  checks.add(check);
  skipsOn.set(apiObject, checks);
  apiObject.metadata.addAnnotation(`checkov.io/skip${checks.size}`, `${check}=${reason}`);
}

/** Why an image of this synthesis carries no digest. */
export function unpinnedReason(config: StratusConfig, image: string): string {
  if (!config.images.pinDigests) {
    return 'digest pinning is switched off (images.pinDigests is false) for images whose digests cannot match upstream, such as local stand-ins or a mirror';
  }
  const app = APPS.find((a) => imageRef(config, a) === image);
  if (app) {
    return `${image} is built by the release; release.yml synthesizes with its digest (images.digests.${app}), which a dist/ made before the build cannot know`;
  }
  return `no digest of ${image} is recorded in images.upstreamDigests; pnpm images:pin records it where the registry is reachable (docs/release.md)`;
}

/**
 * Explains, on each workload, the images that are not pinned by digest: checkov's CKV_K8S_43 (digest) and CKV_K8S_15
 * (IfNotPresent is only safe for a digest) are skipped with the reason. Pinned workloads get no annotation.
 */
export function explainUnpinnedImages(scope: IConstruct, config: StratusConfig): number {
  let explained = 0;
  for (const construct of scope.node.findAll()) {
    if (!(construct instanceof kplus.AbstractPod)) continue;
    const unpinned = [...construct.initContainers, ...construct.containers]
      .map((c) => c.image)
      .filter((image) => !/@sha256:[0-9a-f]{64}$/.test(image));
    if (unpinned.length === 0) continue;
    const reason = [...new Set(unpinned.map((image) => unpinnedReason(config, image)))].join('; ');
    skipCheck(construct, 'CKV_K8S_43', reason);
    skipCheck(construct, 'CKV_K8S_15', `pulls IfNotPresent, which is exact only for a digest; ${reason}`);
    explained += 1;
  }
  return explained;
}
