import { NetworkingSecgroupRuleV2 } from '@stratus/provider-openstack/networking-secgroup-rule-v2';
import { NetworkingSecgroupV2 } from '@stratus/provider-openstack/networking-secgroup-v2';
import { Construct } from 'constructs';
import { InfraConfigError } from './errors.ts';
import { checkCidr, checkNotEmpty, checkRange } from './validate.ts';

/** Anywhere on IPv4. */
export const ANYWHERE = '0.0.0.0/0';

export interface ServerSecurityGroupProps {
  /** The security group's name. */
  readonly name: string;
  /** The only network that reaches the admin ports, such as an office or VPN range. */
  readonly adminCidr: string;
  /** TCP ports open to `adminCidr` only, by name (such as `{ ssh: 22 }`). */
  readonly adminPorts: Readonly<Record<string, number>>;
  /**
   * TCP ports open to everyone, by name (such as `{ http: 80, https: 443 }`).
   * @default {}
   */
  readonly publicPorts?: Readonly<Record<string, number>>;
  /**
   * Whether members of the group reach each other on every protocol and port (the cluster's own traffic).
   * @default false
   */
  readonly allowWithinGroup?: boolean;
}

/** A security group for servers: admin ports from one CIDR, public ports from anywhere, and optionally all traffic inside the group. */
export class ServerSecurityGroup extends Construct {
  readonly group: NetworkingSecgroupV2;

  constructor(scope: Construct, id: string, props: ServerSecurityGroupProps) {
    super(scope, id);
    checkNotEmpty('name', props.name);
    checkCidr('adminCidr', props.adminCidr);
    const publicPorts = props.publicPorts ?? {};
    for (const [name, port] of [...Object.entries(props.adminPorts), ...Object.entries(publicPorts)]) {
      checkRange(`port ${name}`, port, 1, 65_535);
    }
    const overlap = Object.values(props.adminPorts).filter((p) => Object.values(publicPorts).includes(p));
    if (overlap.length > 0) {
      throw new InfraConfigError('publicPorts', `must not open the admin ports ${overlap.join(', ')} to everyone`);
    }

    this.group = new NetworkingSecgroupV2(this, 'group', { name: props.name, description: `Stratus ${props.name}` });
    const tcp = (ruleId: string, port: number, cidr: string, description: string) =>
      new NetworkingSecgroupRuleV2(this, ruleId, {
        securityGroupId: this.group.id,
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        portRangeMin: port,
        portRangeMax: port,
        remoteIpPrefix: cidr,
        description,
      });
    for (const [name, port] of Object.entries(props.adminPorts))
      tcp(`${name}-admin`, port, props.adminCidr, `${name} from the admin network`);
    for (const [name, port] of Object.entries(publicPorts)) tcp(`${name}-public`, port, ANYWHERE, `${name} from anywhere`);
    if (props.allowWithinGroup) {
      new NetworkingSecgroupRuleV2(this, 'within-group', {
        securityGroupId: this.group.id,
        direction: 'ingress',
        ethertype: 'IPv4',
        remoteGroupId: this.group.id,
        description: 'all traffic between members of the group',
      });
    }
  }
}
