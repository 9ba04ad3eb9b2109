import { APPS, imageRef, loadConfig } from '@stratus/config';
import { rig, rigCommand } from '../support/rig.ts';
import { Kubectl } from './kubectl.ts';

/** The cluster under test: how to reach its API and its Ingress. */
export interface ClusterTarget {
  readonly kubectl: Kubectl;
  /** Where the Ingress controller answers, such as `http://127.0.0.1:8080`, without a trailing slash. */
  readonly ingressUrl: string;
  /** Where it came from, for the log. */
  readonly source: string;
}

/**
 * `KUBECONFIG` and `INGRESS_URL` together name a cluster that already runs, with the images loaded (CI: kind). Without
 * them the rig builds the images from the Dockerfiles (`scripts/rig/images.sh`) and brings up its own one-node
 * Kubernetes (`scripts/rig/cluster.sh`), which loads them; a cluster that was already up gets them loaded now.
 */
export function clusterTarget(env: NodeJS.ProcessEnv = process.env): ClusterTarget {
  if (env.KUBECONFIG && env.INGRESS_URL) {
    return {
      kubectl: new Kubectl(env.KUBECONFIG, env.KUBECTL || 'kubectl'),
      ingressUrl: env.INGRESS_URL.replace(/\/+$/, ''),
      source: `KUBECONFIG=${env.KUBECONFIG} INGRESS_URL=${env.INGRESS_URL}`,
    };
  }
  rig('images');
  const cluster = rig('cluster');
  for (const key of ['KUBECONFIG', 'KUBECTL', 'INGRESS_URL', 'CONTAINERD_ADDRESS']) {
    if (!cluster[key]) throw new Error(`scripts/rig/cluster.sh start did not print ${key}`);
  }
  const loaded = new Set(rigCommand('cluster', 'ctr', '-n', 'k8s.io', 'images', 'ls', '-q').split('\n'));
  const config = loadConfig({ env });
  if (APPS.some((app) => !loaded.has(imageRef(config, app)))) {
    rigCommand('images', 'load', `unix://${cluster.CONTAINERD_ADDRESS}`);
  }
  return {
    kubectl: new Kubectl(cluster.KUBECONFIG as string, cluster.KUBECTL),
    ingressUrl: (cluster.INGRESS_URL as string).replace(/\/+$/, ''),
    source: 'scripts/rig/images.sh and scripts/rig/cluster.sh',
  };
}
