import { TerraformOutput, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { renderCloudConfig } from './cloud-init.ts';
import { ImmutableServer } from './immutable-server.ts';
import { PinnedIds } from './pinned-ids.ts';
import { ServerSecurityGroup } from './server-security-group.ts';
import { StratusStack, type StratusStackProps } from './stratus-stack.ts';
import { webCloudConfig } from './web-cloud-init.ts';

/**
 * Reference tasks 1 and 2: one immutable server that runs the versioned todo app (frontend, backend, PostgreSQL on the
 * data volume) with Docker. Changing `app_version` replaces the server: that is the upgrade, and setting it back is the
 * rollback. The server owns the volume, so a replacement stops and deletes the old server before the new one starts.
 */
export class WebStack extends StratusStack {
  readonly server: ImmutableServer;

  constructor(scope: Construct, id: string, props: StratusStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { openstack } = config;
    const version = new TerraformVariable(this, 'app_version', {
      type: 'string',
      default: config.version,
      description: 'The release of the todo app images to run; changing it replaces the server',
    });
    const pins = new PinnedIds(this, 'pinned', {
      ids: { image_id: { id: openstack.imageId, field: 'openstack.imageId', name: openstack.image } },
    });
    const securityGroup = new ServerSecurityGroup(this, 'web', {
      name: `${openstack.namePrefix}-web`,
      adminCidr: openstack.adminCidr,
      adminPorts: { ssh: 22 },
      publicPorts: { http: 80, https: 443 },
    });
    this.server = new ImmutableServer(this, 'server', {
      name: `${openstack.namePrefix}-web`,
      imageId: openstack.imageId,
      flavor: openstack.webFlavor,
      network: openstack.network,
      securityGroups: [securityGroup.group],
      keyPair: openstack.keyPair === '' ? undefined : openstack.keyPair,
      userData: renderCloudConfig(webCloudConfig(config)),
      metadata: { app_version: version.stringValue },
      replaceOn: { app_version: version.stringValue },
      dataVolumeGb: openstack.dataVolumeGb,
      floatingIpPool: openstack.floatingIpPool === '' ? undefined : openstack.floatingIpPool,
      dependsOn: [pins.resource],
    });
    new TerraformOutput(this, 'address', { value: this.server.address, description: 'Where the todo app answers' });
    new TerraformOutput(this, 'url', { value: `http://${this.server.address}/`, description: 'The todo app' });
    new TerraformOutput(this, 'version', { value: version.stringValue, description: 'The running app release' });
  }
}
