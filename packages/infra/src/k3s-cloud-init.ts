import { BOOT_DIR, bootFiles } from './boot-scripts.ts';
import { type BootFile, type CloudConfig, metadataFirewall } from './cloud-init.ts';

/** Who runs the cloud integration: the OpenStack cloud controller manager (with Cinder CSI), or nobody (k3s's defaults). */
export type CloudProvider = 'openstack' | 'none';

/** Where the server's cloud-init leaves the manifests; the boot script copies them into k3s's auto-deploy directory. */
export const MANIFEST_STAGING_DIR = '/opt/stratus/manifests';

/** A Kubernetes manifest to place in `/var/lib/rancher/k3s/server/manifests`. */
export interface Manifest {
  /** A file name ending in `.yaml`, without directories. */
  readonly name: string;
  readonly content: string;
}

/** The k3s server: the pinned k3s release, its state on the data volume, and optionally the platform's manifests. */
export function k3sServerCloudConfig(
  k3sVersion: string,
  cloudProvider: CloudProvider,
  manifests: readonly Manifest[] = [],
): CloudConfig {
  const files: BootFile[] = manifests.map((m) => ({
    path: `${MANIFEST_STAGING_DIR}/${m.name}`,
    content: m.content,
    permissions: '0600',
  }));
  return {
    bootCommands: metadataFirewall(),
    packages: [],
    files: [...bootFiles('k3s-server'), ...files],
    commands: [['bash', `${BOOT_DIR}/k3s-server.sh`, k3sVersion, cloudProvider]],
  };
}

/** A k3s agent: the pinned k3s release, joining the server named in the instance metadata. */
export function k3sAgentCloudConfig(k3sVersion: string, cloudProvider: CloudProvider): CloudConfig {
  return {
    bootCommands: metadataFirewall(),
    packages: [],
    files: bootFiles('k3s-agent'),
    commands: [['bash', `${BOOT_DIR}/k3s-agent.sh`, k3sVersion, cloudProvider]],
  };
}
