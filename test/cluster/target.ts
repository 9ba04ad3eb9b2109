import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@stratus/config';
import { appBuilds, DOCKERFILE } from '../../scripts/images.ts';
import { Kubectl } from './kubectl.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The cluster under test: how to reach its API and its Ingress. */
export interface ClusterTarget {
  readonly kubectl: Kubectl;
  /** Where the Ingress controller answers, such as `http://127.0.0.1:8080`, without a trailing slash. */
  readonly ingressUrl: string;
  /** Where it came from, for the log. */
  readonly source: string;
}

/**
 * A rig script's verb, run without blocking the test worker (a cold cluster or image build takes minutes, and vitest
 * times out a worker that does not answer); resolves with its standard output.
 */
function rigScript(service: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [`scripts/rig/${service}.sh`, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString('utf8');
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`scripts/rig/${service}.sh ${args.join(' ')} exited ${code}`)),
    );
  });
}

const keyValues = (out: string): Record<string, string> =>
  Object.fromEntries(
    out
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

/**
 * `KUBECONFIG` and `INGRESS_URL` together name a cluster that already runs, with the images loaded (CI: k3d). Without
 * them the rig builds the images from `apps/Dockerfile` (`scripts/rig/images.sh`) and brings up its own one-node
 * Kubernetes (`scripts/rig/cluster.sh`), which loads them; a cluster that was already up gets them loaded now.
 */
export async function clusterTarget(env: NodeJS.ProcessEnv = process.env): Promise<ClusterTarget> {
  if (env.KUBECONFIG && env.INGRESS_URL) {
    return {
      kubectl: new Kubectl(env.KUBECONFIG, env.KUBECTL || 'kubectl'),
      ingressUrl: env.INGRESS_URL.replace(/\/+$/, ''),
      source: `KUBECONFIG=${env.KUBECONFIG} INGRESS_URL=${env.INGRESS_URL}`,
    };
  }
  await rigScript('images', ['start']);
  const cluster = keyValues(await rigScript('cluster', ['start']));
  for (const key of ['KUBECONFIG', 'KUBECTL', 'INGRESS_URL', 'CONTAINERD_ADDRESS']) {
    if (!cluster[key]) throw new Error(`scripts/rig/cluster.sh start did not print ${key}`);
  }
  const loaded = new Set((await rigScript('cluster', ['ctr', '-n', 'k8s.io', 'images', 'ls', '-q'])).split('\n'));
  const config = loadConfig({ env });
  const rigBuilt = appBuilds(config).filter((b) => b.dockerfile === DOCKERFILE);
  if (rigBuilt.some((b) => !loaded.has(b.image))) {
    await rigScript('images', ['load', cluster.CONTAINERD_ADDRESS as string]);
  }
  return {
    kubectl: new Kubectl(cluster.KUBECONFIG as string, cluster.KUBECTL),
    ingressUrl: (cluster.INGRESS_URL as string).replace(/\/+$/, ''),
    source: 'scripts/rig/images.sh and scripts/rig/cluster.sh',
  };
}
