import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe } from 'vitest';
import { type DeployedCluster, deployStratus } from './deploy.ts';
import { lakeSuite } from './lake-suite.ts';
import { monitoringSuite } from './monitoring-suite.ts';
import { networkSuite } from './network-suite.ts';
import { sparkSuite } from './spark-suite.ts';
import { streamSuite } from './stream-suite.ts';
import { clusterTarget } from './target.ts';
import { todoOutageSuite, todoSuite } from './todo-suite.ts';
import { workloadSuite } from './workloads-suite.ts';

/**
 * The platform on a real Kubernetes: dist/k8s's charts, sized for a small cluster through the config, applied as
 * docs/kubernetes.md says, then used as a user would. The parts run in this order because the later ones break
 * things on purpose (a database pod, a processor pod, a broker pod) and the quiet-alerts check must come first.
 */
describe('Stratus on a real Kubernetes', () => {
  let deployed: DeployedCluster | undefined;
  const started = Date.now();
  const cluster = (): DeployedCluster => {
    if (!deployed) throw new Error('the deployment did not come up (see the first failure)');
    return deployed;
  };

  beforeAll(async () => {
    const target = await clusterTarget();
    console.info(`cluster: ${target.source}; ready for the suite after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    deployed = await deployStratus(target);
    console.info(`deployed: every workload Ready ${deployed.readySeconds.toFixed(0)} s after kubectl apply`);
  }, 90 * 60_000);

  afterAll(() => {
    if (deployed) rmSync(deployed.dir, { recursive: true, force: true });
    console.info(`the cluster suite took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });

  workloadSuite(cluster);
  networkSuite(cluster);
  todoSuite(cluster);
  monitoringSuite(cluster);
  todoOutageSuite(cluster);
  streamSuite(cluster);
  lakeSuite(cluster);
  sparkSuite(cluster);
});
