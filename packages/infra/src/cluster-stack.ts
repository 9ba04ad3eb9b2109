import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { Manifest } from './k3s-cloud-init.ts';
import { K3sCluster } from './k3s-cluster.ts';
import { StratusStack, type StratusStackProps } from './stratus-stack.ts';

export interface ClusterStackProps extends StratusStackProps {
  /**
   * Manifests for k3s's auto-deploy directory (used when `cluster.autoDeployManifests` is on).
   * @default none
   */
  readonly manifests?: readonly Manifest[];
}

/** Reference task 3: a k3s server and `cluster.agents` agents, the k3s release pinned in the config. */
export class ClusterStack extends StratusStack {
  readonly cluster: K3sCluster;

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { openstack } = config;
    this.cluster = new K3sCluster(this, 'k3s', {
      namePrefix: openstack.namePrefix,
      k3sVersion: config.versions.k3s,
      agents: config.cluster.agents,
      image: openstack.image,
      flavor: openstack.nodeFlavor,
      network: openstack.network,
      adminCidr: openstack.adminCidr,
      serverVolumeGb: config.cluster.serverVolumeGb,
      keyPair: openstack.keyPair === '' ? undefined : openstack.keyPair,
      floatingIpPool: openstack.floatingIpPool === '' ? undefined : openstack.floatingIpPool,
      manifests: props.manifests,
    });
    new TerraformOutput(this, 'server_address', {
      value: this.cluster.server.address,
      description: 'The k3s server: its floating IP, or its private address',
    });
    new TerraformOutput(this, 'server_private_address', {
      value: this.cluster.server.privateAddress,
      description: 'The address the agents join',
    });
    new TerraformOutput(this, 'kubeconfig_command', {
      value: this.cluster.kubeconfigCommand(),
      description: 'Copies the kubeconfig from the server (needs SSH from the admin network)',
    });
  }
}
