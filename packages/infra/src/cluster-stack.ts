import { renderOpenStackManifest } from '@stratus/k8s/openstack-chart';
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import { InfraConfigError } from './errors.ts';
import type { Manifest } from './k3s-cloud-init.ts';
import { K3sCluster } from './k3s-cluster.ts';
import { LakeObjectStorage } from './lake-object-storage.ts';
import { PinnedIds } from './pinned-ids.ts';
import { StratusStack, type StratusStackProps } from './stratus-stack.ts';

export interface ClusterStackProps extends StratusStackProps {
  /**
   * Manifests for k3s's auto-deploy directory (used when `cluster.autoDeployManifests` is on).
   * @default none
   */
  readonly manifests?: readonly Manifest[];
}

/** The file name of the OpenStack integration in the k3s auto-deploy directory: applied before the platform's files. */
export const OPENSTACK_MANIFEST = '05-openstack.yaml';

/**
 * Reference task 3: a k3s server and `cluster.agents` agents, the k3s release pinned in the config. With
 * `cluster.cloudProvider` = `openstack` (the default), the server auto-deploys the cloud controller manager and
 * Cinder CSI (packages/k8s); with `lake.storage.backend` = `swift`, the stack makes the lake's Swift container and
 * S3 credentials.
 */
export class ClusterStack extends StratusStack {
  readonly cluster: K3sCluster;
  readonly lake?: LakeObjectStorage;

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { openstack } = config;
    const pins = new PinnedIds(this, 'pinned', {
      ids: {
        image_id: { id: openstack.imageId, field: 'openstack.imageId', name: openstack.image },
        network_id: { id: openstack.networkId, field: 'openstack.networkId', name: openstack.network },
      },
    });
    this.cluster = new K3sCluster(this, 'k3s', {
      namePrefix: openstack.namePrefix,
      k3sVersion: config.versions.k3s,
      agents: config.cluster.agents,
      imageId: openstack.imageId,
      flavor: openstack.nodeFlavor,
      network: openstack.network,
      networkId: openstack.networkId,
      adminCidr: openstack.adminCidr,
      serverVolumeGb: config.cluster.serverVolumeGb,
      keyPair: openstack.keyPair === '' ? undefined : openstack.keyPair,
      floatingIpPool: openstack.floatingIpPool === '' ? undefined : openstack.floatingIpPool,
      manifests: [
        ...(config.cluster.cloudProvider === 'openstack'
          ? [{ name: OPENSTACK_MANIFEST, content: renderOpenStackManifest(config) }]
          : []),
        ...(props.manifests ?? []),
      ],
      cloudProvider: config.cluster.cloudProvider,
      dependsOn: [pins.resource],
    });
    new TerraformOutput(this, 'server_address', {
      value: this.cluster.server.address,
      description: 'The k3s server: its floating IP, or its private address',
    });
    new TerraformOutput(this, 'server_private_address', {
      value: this.cluster.server.privateAddress,
      description: "The address the agents join: the server's kept port, the same across replacements",
    });
    new TerraformOutput(this, 'kubeconfig_command', {
      value: this.cluster.kubeconfigCommand(),
      description: 'Copies the kubeconfig from the server (needs SSH from the admin network)',
    });

    const { storage } = config.lake;
    if (storage.backend === 'swift') {
      if (storage.endpoint === '') {
        throw new InfraConfigError(
          'lake.storage.endpoint',
          'must be the S3 API of the cloud\'s object store (Swift\'s s3api), such as https://object.example.org, when lake.storage.backend is "swift"',
        );
      }
      this.lake = new LakeObjectStorage(this, 'lake', {
        bucket: storage.bucket,
        endpoint: storage.endpoint,
        namespace: config.lake.namespace,
        secret: storage.secret,
      });
    }
  }
}
