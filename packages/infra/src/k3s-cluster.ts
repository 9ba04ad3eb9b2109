import { Password } from '@cdktf/provider-random/lib/password/index.js';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { renderCloudConfig } from './cloud-init.ts';
import { InfraConfigError } from './errors.ts';
import { ImmutableServer } from './immutable-server.ts';
import { type CloudProvider, k3sAgentCloudConfig, k3sServerCloudConfig, type Manifest } from './k3s-cloud-init.ts';
import { ServerSecurityGroup } from './server-security-group.ts';
import { checkCidr, checkRange } from './validate.ts';

/** The port of the Kubernetes API on the k3s server. */
export const KUBE_API_PORT = 6443;
const K3S_VERSION = /^v\d+\.\d+\.\d+\+k3s\d+$/;

export interface K3sClusterProps {
  /** The prefix of every name (servers, volume, security group). */
  readonly namePrefix: string;
  /** The k3s release, such as v1.36.1+k3s1. */
  readonly k3sVersion: string;
  /** Number of agents. */
  readonly agents: number;
  /** The Glance image id (Ubuntu with cloud-init). */
  readonly imageId: string;
  /** The id of `network`: the server's port, and so the address the agents join, is kept across its replacements. */
  readonly networkId: string;
  /** Flavor of the server and the agents. */
  readonly flavor: string;
  /** The existing network the nodes join, by name. */
  readonly network: string;
  /** The only network that reaches SSH and the Kubernetes API. */
  readonly adminCidr: string;
  /** Size in GiB of the server's state volume (/var/lib/rancher/k3s). */
  readonly serverVolumeGb: number;
  /**
   * The key pair for SSH.
   * @default no key pair
   */
  readonly keyPair?: string;
  /**
   * External network for the server's floating IP, which goes into the API certificate's `tls-san`.
   * @default no floating IP: the server is reached on its private address
   */
  readonly floatingIpPool?: string;
  /**
   * Manifests that k3s applies by itself from its auto-deploy directory.
   * @default none
   */
  readonly manifests?: readonly Manifest[];
  /**
   * `openstack`: k3s leaves the cloud to the OpenStack cloud controller manager (`cloud-provider=external`, each
   * kubelet names its Nova instance) and drops its local-path provisioner, for Cinder. `none`: k3s's defaults.
   * @default 'none'
   */
  readonly cloudProvider?: CloudProvider;
  /**
   * Resources the servers depend on, such as the pinned ids.
   * @default none
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * A k3s cluster on immutable servers: one server whose state lives on a volume and whose Neutron port (its address)
 * is kept, and stateless agents that join that address. Replacing the server changes no input of any agent, so no
 * agent is replaced; the agents reconnect when the new server answers on the same address. The server token and the
 * separate agent token are `random_password`s; agents only ever get the agent token, which cannot join a server.
 */
export class K3sCluster extends Construct {
  readonly server: ImmutableServer;
  readonly agents: readonly ImmutableServer[];
  readonly securityGroup: ServerSecurityGroup;

  constructor(scope: Construct, id: string, props: K3sClusterProps) {
    super(scope, id);
    checkRange('agents', props.agents, 1, 20);
    checkCidr('adminCidr', props.adminCidr);
    if (!K3S_VERSION.test(props.k3sVersion)) {
      throw new InfraConfigError('k3sVersion', `must be a k3s release such as v1.36.1+k3s1, got "${props.k3sVersion}"`);
    }

    this.securityGroup = new ServerSecurityGroup(this, 'nodes', {
      name: `${props.namePrefix}-k3s-nodes`,
      adminCidr: props.adminCidr,
      adminPorts: { ssh: 22, 'kube-api': KUBE_API_PORT },
      publicPorts: { http: 80, https: 443 },
      allowWithinGroup: true,
    });
    const cloudProvider = props.cloudProvider ?? 'none';
    const token = new Password(this, 'token', { length: 48, special: false });
    const agentToken = new Password(this, 'agent-token', { length: 48, special: false });
    const common = {
      imageId: props.imageId,
      flavor: props.flavor,
      network: props.network,
      securityGroups: [this.securityGroup.group],
      keyPair: props.keyPair,
      dependsOn: props.dependsOn,
    };

    this.server = new ImmutableServer(this, 'server', {
      ...common,
      name: `${props.namePrefix}-k3s-server`,
      userData: renderCloudConfig(k3sServerCloudConfig(props.k3sVersion, cloudProvider, props.manifests)),
      metadata: { k3s_token: token.result, k3s_agent_token: agentToken.result },
      dataVolumeGb: props.serverVolumeGb,
      keptPortNetworkId: props.networkId,
      floatingIpPool: props.floatingIpPool,
    });

    const serverUrl = `https://${this.server.privateAddress}:${KUBE_API_PORT}`;
    this.agents = Array.from(
      { length: props.agents },
      (_, i) =>
        new ImmutableServer(this, `agent-${i}`, {
          ...common,
          name: `${props.namePrefix}-k3s-agent-${i}`,
          userData: renderCloudConfig(k3sAgentCloudConfig(props.k3sVersion, cloudProvider)),
          metadata: { k3s_agent_token: agentToken.result, k3s_url: serverUrl },
        }),
    );
  }

  /** The command that copies the kubeconfig from the server and points it at the server's address. */
  kubeconfigCommand(user = 'ubuntu'): string {
    const address = this.server.address;
    return `ssh ${user}@${address} sudo cat /etc/rancher/k3s/k3s.yaml | sed 's/127.0.0.1/${address}/' > kubeconfig-stratus.yaml`;
  }
}
