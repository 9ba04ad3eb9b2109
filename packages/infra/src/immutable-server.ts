import { BlockstorageVolumeV3 } from '@stratus/provider-openstack/blockstorage-volume-v3';
import { ComputeInstanceV2 } from '@stratus/provider-openstack/compute-instance-v2';
import { NetworkingFloatingipAssociateV2 } from '@stratus/provider-openstack/networking-floatingip-associate-v2';
import { NetworkingFloatingipV2 } from '@stratus/provider-openstack/networking-floatingip-v2';
import { NetworkingPortV2 } from '@stratus/provider-openstack/networking-port-v2';
import type { NetworkingSecgroupV2 } from '@stratus/provider-openstack/networking-secgroup-v2';
import { DataResource, Fn, type ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { digest, userDataFor } from './cloud-init.ts';
import { InfraConfigError } from './errors.ts';
import { checkFlavor, checkNotEmpty, checkRange } from './validate.ts';

export interface ImmutableServerProps {
  /** The server's name, also its hostname. */
  readonly name: string;
  /** The Glance image id (pinned in the config, never looked up by name). */
  readonly imageId: string;
  /** The flavor name, such as cb1.medium. */
  readonly flavor: string;
  /** The existing network to attach to, by name. */
  readonly network: string;
  /** The security groups. */
  readonly securityGroups: readonly NetworkingSecgroupV2[];
  /** The cloud-init document; it is gzipped and base64-encoded, and must then fit in 65,535 bytes. */
  readonly userData: string;
  /**
   * Values that the boot scripts read from the config drive at boot (tokens, versions, addresses).
   * Only values given in `replaceOn` too replace the server when they change.
   * @default {}
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Further inputs that replace the server when they change, such as the app version.
   * @default {} (image id, flavor and user data always replace it)
   */
  readonly replaceOn?: Readonly<Record<string, string>>;
  /**
   * The key pair for SSH.
   * @default no key pair
   */
  readonly keyPair?: string;
  /**
   * Size in GiB of a block-storage volume that outlives every replacement; its id is in the metadata as `data_volume_id`.
   * A server with a volume is replaced destroy-then-create: the old server is shut down (its services stop, its
   * file systems are unmounted) and deleted, which detaches the volume, before the new one is created with it.
   * @default no data volume, and replacements are create-before-destroy
   */
  readonly dataVolumeGb?: number;
  /**
   * The id of `network`: the server then gets a Neutron port of its own that outlives every replacement, so its
   * private address never changes. A port is bound to one server at a time, so this makes replacements destroy-then-create.
   * @default a new port, and a new address, with every server
   */
  readonly keptPortNetworkId?: string;
  /**
   * The external network to take a floating IP from; the address is in the metadata as `floating_ip` and survives replacements.
   * @default no floating IP
   */
  readonly floatingIpPool?: string;
  /**
   * Resources that must exist (or whose checks must pass) before the server is planned, such as the pinned ids.
   * @default none
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * A compute instance that is never changed in place: a new image id, flavor, user data or any `replaceOn` input
 * replaces it. The trigger is a `terraform_data` revision in `replace_triggered_by`, because the OpenStack provider
 * would otherwise resize on a flavor change. Stateless servers are replaced create-before-destroy; a server that owns a
 * data volume or a kept port is replaced destroy-then-create, so two servers never hold them at once. Boot values come
 * from the config drive, so the metadata service can be closed to everything on the server.
 */
export class ImmutableServer extends Construct {
  readonly instance: ComputeInstanceV2;
  /** The `terraform_data` whose replacement replaces the server. */
  readonly revision: DataResource;
  readonly volume?: BlockstorageVolumeV3;
  readonly port?: NetworkingPortV2;
  readonly floatingIp?: NetworkingFloatingipV2;
  /** The address on the private network; it survives replacements when the server has a kept port. */
  readonly privateAddress: string;
  /** The floating IP when there is one, else the private address. */
  readonly address: string;
  /** Whether a replacement creates the new server before it destroys the old one. */
  readonly createBeforeDestroy: boolean;

  constructor(scope: Construct, id: string, props: ImmutableServerProps) {
    super(scope, id);
    checkNotEmpty('name', props.name);
    checkNotEmpty('network', props.network);
    checkFlavor('flavor', props.flavor);
    if (props.dataVolumeGb !== undefined) checkRange('dataVolumeGb', props.dataVolumeGb, 1, 16_384);
    if (props.floatingIpPool !== undefined) checkNotEmpty('floatingIpPool', props.floatingIpPool);
    if (props.securityGroups.length === 0) throw new InfraConfigError('securityGroups', 'must name at least one group');
    const reserved = ['data_volume_id', 'floating_ip'].filter((key) => props.metadata?.[key] !== undefined);
    if (reserved.length > 0)
      throw new InfraConfigError('metadata', `must not set ${reserved.join(', ')}: the server sets them itself`);

    const userData = userDataFor(props.name, props.userData);
    const dependsOn = props.dependsOn ? [...props.dependsOn] : undefined;

    this.volume =
      props.dataVolumeGb === undefined
        ? undefined
        : new BlockstorageVolumeV3(this, 'data', {
            name: `${props.name}-data`,
            size: props.dataVolumeGb,
            description: `Data of ${props.name}; kept when the server is replaced`,
          });
    this.port =
      props.keptPortNetworkId === undefined
        ? undefined
        : new NetworkingPortV2(this, 'port', {
            name: props.name,
            networkId: props.keptPortNetworkId,
            securityGroupIds: props.securityGroups.map((g) => g.id),
            description: `Port of ${props.name}; kept when the server is replaced, so its address stays`,
            dependsOn,
          });
    this.floatingIp =
      props.floatingIpPool === undefined
        ? undefined
        : new NetworkingFloatingipV2(this, 'floating-ip', { pool: props.floatingIpPool, description: props.name });
    this.createBeforeDestroy = this.volume === undefined && this.port === undefined;

    this.revision = new DataResource(this, 'revision', {
      triggersReplace: {
        image_id: props.imageId,
        flavor: props.flavor,
        user_data_sha256: digest(userData),
        ...props.replaceOn,
      },
    });

    this.instance = new ComputeInstanceV2(this, 'instance', {
      name: props.name,
      imageId: props.imageId,
      flavorName: props.flavor,
      keyPair: props.keyPair,
      securityGroups: this.port ? undefined : props.securityGroups.map((g) => g.name),
      userData,
      configDrive: true,
      network: [this.port ? { port: this.port.id } : { name: props.network }],
      // The volume is part of the server's block device mapping, not a separate attachment: Nova attaches it when it
      // creates the server and detaches it only after the stop (a clean shutdown) and the deletion of the old one.
      blockDevice: this.volume
        ? [
            { uuid: props.imageId, sourceType: 'image', destinationType: 'local', bootIndex: 0, deleteOnTermination: true },
            { uuid: this.volume.id, sourceType: 'volume', destinationType: 'volume', bootIndex: -1, deleteOnTermination: false },
          ]
        : undefined,
      stopBeforeDestroy: this.volume ? true : undefined,
      metadata: {
        ...props.metadata,
        ...(this.volume ? { data_volume_id: this.volume.id } : {}),
        ...(this.floatingIp ? { floating_ip: this.floatingIp.address } : {}),
      },
      dependsOn,
      // A bare address: Terraform rejects the `${...}` form that cdktf renders for a construct here.
      lifecycle: {
        createBeforeDestroy: this.createBeforeDestroy,
        replaceTriggeredBy: [`${DataResource.tfResourceType}.${this.revision.friendlyUniqueId}`],
      },
    });

    if (this.floatingIp) {
      new NetworkingFloatingipAssociateV2(this, 'floating-ip-association', {
        floatingIp: this.floatingIp.address,
        portId: this.port ? this.port.id : this.instance.network.get(0).port,
      });
    }
    this.privateAddress = this.port ? Fn.element(this.port.allFixedIps, 0) : this.instance.accessIpV4;
    this.address = this.floatingIp ? this.floatingIp.address : this.privateAddress;
  }
}
