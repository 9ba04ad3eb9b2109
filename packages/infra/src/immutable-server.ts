import { BlockstorageVolumeV3 } from '@stratus/provider-openstack/blockstorage-volume-v3';
import { ComputeInstanceV2 } from '@stratus/provider-openstack/compute-instance-v2';
import { ComputeVolumeAttachV2 } from '@stratus/provider-openstack/compute-volume-attach-v2';
import { DataOpenstackImagesImageV2 } from '@stratus/provider-openstack/data-openstack-images-image-v2';
import { NetworkingFloatingipAssociateV2 } from '@stratus/provider-openstack/networking-floatingip-associate-v2';
import { NetworkingFloatingipV2 } from '@stratus/provider-openstack/networking-floatingip-v2';
import { DataResource } from 'cdktf';
import { Construct } from 'constructs';
import { digest, userDataFor } from './cloud-init.ts';
import { InfraConfigError } from './errors.ts';
import { checkFlavor, checkNotEmpty, checkRange, isImageId } from './validate.ts';

export interface ImmutableServerProps {
  /** The server's name, also its hostname. */
  readonly name: string;
  /** A Glance image id, or an image name that resolves to the newest image of that name. */
  readonly image: string;
  /** The flavor name, such as cb1.medium. */
  readonly flavor: string;
  /** The existing network to attach to, by name. */
  readonly network: string;
  /** Names of the security groups. */
  readonly securityGroups: readonly string[];
  /** The cloud-init document; it is gzipped and base64-encoded, and must then fit in 65,535 bytes. */
  readonly userData: string;
  /**
   * Values that the boot scripts read from the instance metadata at boot (tokens, versions, addresses).
   * Only values given in `replaceOn` too replace the server when they change.
   * @default {}
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Further inputs that replace the server when they change, such as the app version.
   * @default {} (image, flavor and user data always replace it)
   */
  readonly replaceOn?: Readonly<Record<string, string>>;
  /**
   * The key pair for SSH.
   * @default no key pair
   */
  readonly keyPair?: string;
  /**
   * Size in GiB of a block-storage volume that outlives every replacement; its id is in the metadata as `data_volume_id`.
   * @default no data volume
   */
  readonly dataVolumeGb?: number;
  /**
   * The external network to take a floating IP from; the address is in the metadata as `floating_ip` and survives replacements.
   * @default no floating IP
   */
  readonly floatingIpPool?: string;
}

/**
 * A compute instance that is never changed in place: a new image, flavor, user data or any `replaceOn` input creates a
 * new server before the old one is destroyed. The trigger is a `terraform_data` revision in `replace_triggered_by`,
 * because the OpenStack provider would otherwise resize on a flavor change. Data lives on a volume that stays.
 */
export class ImmutableServer extends Construct {
  readonly instance: ComputeInstanceV2;
  /** The `terraform_data` whose replacement replaces the server. */
  readonly revision: DataResource;
  readonly volume?: BlockstorageVolumeV3;
  readonly floatingIp?: NetworkingFloatingipV2;
  /** The address on the private network. */
  readonly privateAddress: string;
  /** The floating IP when there is one, else the private address. */
  readonly address: string;

  constructor(scope: Construct, id: string, props: ImmutableServerProps) {
    super(scope, id);
    checkNotEmpty('name', props.name);
    checkNotEmpty('image', props.image);
    checkNotEmpty('network', props.network);
    checkFlavor('flavor', props.flavor);
    if (props.dataVolumeGb !== undefined) checkRange('dataVolumeGb', props.dataVolumeGb, 1, 16_384);
    if (props.floatingIpPool !== undefined) checkNotEmpty('floatingIpPool', props.floatingIpPool);
    const reserved = ['data_volume_id', 'floating_ip'].filter((key) => props.metadata?.[key] !== undefined);
    if (reserved.length > 0)
      throw new InfraConfigError('metadata', `must not set ${reserved.join(', ')}: the server sets them itself`);

    const userData = userDataFor(props.name, props.userData);
    const imageId = isImageId(props.image)
      ? props.image
      : new DataOpenstackImagesImageV2(this, 'image', { name: props.image, mostRecent: true }).id;

    this.volume =
      props.dataVolumeGb === undefined
        ? undefined
        : new BlockstorageVolumeV3(this, 'data', {
            name: `${props.name}-data`,
            size: props.dataVolumeGb,
            description: `Data of ${props.name}; kept when the server is replaced`,
          });
    this.floatingIp =
      props.floatingIpPool === undefined
        ? undefined
        : new NetworkingFloatingipV2(this, 'floating-ip', { pool: props.floatingIpPool, description: props.name });

    this.revision = new DataResource(this, 'revision', {
      triggersReplace: {
        image: props.image,
        image_id: imageId,
        flavor: props.flavor,
        user_data_sha256: digest(userData),
        ...props.replaceOn,
      },
    });

    this.instance = new ComputeInstanceV2(this, 'instance', {
      name: props.name,
      imageId,
      flavorName: props.flavor,
      keyPair: props.keyPair,
      securityGroups: [...props.securityGroups],
      userData,
      network: [{ name: props.network }],
      metadata: {
        ...props.metadata,
        ...(this.volume ? { data_volume_id: this.volume.id } : {}),
        ...(this.floatingIp ? { floating_ip: this.floatingIp.address } : {}),
      },
      // A bare address: Terraform rejects the `${...}` form that cdktf renders for a construct here.
      lifecycle: {
        createBeforeDestroy: true,
        replaceTriggeredBy: [`${DataResource.tfResourceType}.${this.revision.friendlyUniqueId}`],
      },
    });

    if (this.volume) {
      new ComputeVolumeAttachV2(this, 'data-attachment', { instanceId: this.instance.id, volumeId: this.volume.id });
    }
    if (this.floatingIp) {
      new NetworkingFloatingipAssociateV2(this, 'floating-ip-association', {
        floatingIp: this.floatingIp.address,
        portId: this.instance.network.get(0).port,
      });
    }
    this.privateAddress = this.instance.accessIpV4;
    this.address = this.floatingIp ? this.floatingIp.address : this.privateAddress;
  }
}
