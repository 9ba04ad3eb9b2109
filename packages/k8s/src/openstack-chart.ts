import type { StratusConfig } from '@stratus/config';
import { App, Chart, type ChartProps, Yaml } from 'cdk8s';
import type { Construct } from 'constructs';
import { CinderCsiDriver } from './cinder-csi-driver.ts';
import { OpenStackCloudControllerManager } from './openstack-cloud-controller-manager.ts';

export interface OpenStackChartProps extends ChartProps {
  readonly config: StratusConfig;
}

/** The namespace of the cloud integration: it runs beside k3s's own system pods. */
export const OPENSTACK_NAMESPACE = 'kube-system';

/**
 * The OpenStack integration of a cluster on OpenStack (`cluster.cloudProvider` = `openstack`): the cloud controller
 * manager and the Cinder CSI driver with `cinder` as the default StorageClass, from upstream's images. Both read
 * `cloud.conf` from the Secret `cluster.cloudConfigSecret` in kube-system, which the operator creates
 * (docs/deploy-openstack.md); k3s's local-path provisioner is disabled on such a cluster.
 */
export class OpenStackChart extends Chart {
  readonly cinder: CinderCsiDriver;

  constructor(scope: Construct, id: string, props: OpenStackChartProps) {
    super(scope, id, { ...props, namespace: OPENSTACK_NAMESPACE, disableResourceNameHashes: true });
    const { versions, cluster } = props.config;
    new OpenStackCloudControllerManager(this, 'CloudControllerManager', {
      namespace: OPENSTACK_NAMESPACE,
      version: versions.cloudProviderOpenstack,
      cloudConfigSecret: cluster.cloudConfigSecret,
    });
    this.cinder = new CinderCsiDriver(this, 'Cinder', {
      namespace: OPENSTACK_NAMESPACE,
      cloudConfigSecret: cluster.cloudConfigSecret,
      versions: {
        plugin: versions.cloudProviderOpenstack,
        attacher: versions.csiAttacher,
        provisioner: versions.csiProvisioner,
        resizer: versions.csiResizer,
        livenessProbe: versions.csiLivenessProbe,
        nodeDriverRegistrar: versions.csiNodeDriverRegistrar,
      },
    });
  }
}

/**
 * The chart as one YAML stream, for the k3s server's auto-deploy directory: the cluster stack always ships it when
 * `cluster.cloudProvider` is `openstack`, because nodes that wait for an external cloud controller manager stay
 * tainted until it runs. It is not part of `dist/k8s`, which works on any cluster.
 */
export function renderOpenStackManifest(config: StratusConfig): string {
  const app = new App({ outdir: 'unused' });
  const chart = new OpenStackChart(app, 'openstack', { config });
  return `---\n${Yaml.stringify(...chart.toJson())}`;
}
