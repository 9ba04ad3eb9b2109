import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

type PolicyPeer = kplus.k8s.NetworkPolicyPeer;

/** The cloud's metadata service (OpenStack's and EC2's): no flow opens it to a pod, whatever address block it names. */
export const METADATA_SERVICE_CIDR = '169.254.169.254/32';

function ipv4(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** Whether the IPv4 block `cidr` contains the address of the block `inner`. */
export function cidrContains(cidr: string, inner: string): boolean {
  const [address = '', prefix = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(prefix));
  const start = Math.floor(ipv4(address) / size) * size;
  const probe = ipv4(inner.split('/')[0] ?? '');
  return probe >= start && probe < start + size;
}

/** One end of a network flow: pods selected by labels in a namespace, whole namespaces, or an address block. */
export class Peer {
  /** Pods with these labels in `namespace`. */
  static pods(namespace: string, labels: Record<string, string>): Peer {
    return new Peer(namespace, labels, undefined, undefined);
  }

  /** Every pod in these namespaces. */
  static namespaces(...names: string[]): Peer {
    return new Peer(undefined, undefined, names, undefined);
  }

  /** Addresses outside the pod network, such as the API server's. */
  static cidr(cidr: string): Peer {
    return new Peer(undefined, undefined, undefined, cidr);
  }

  private constructor(
    /** The namespace of the selected pods, when the peer is a set of pods. */
    readonly namespace: string | undefined,
    readonly labels: Record<string, string> | undefined,
    readonly namespaceNames: readonly string[] | undefined,
    readonly cidr: string | undefined,
  ) {}

  /** The peer as seen from a policy in `namespace`. */
  toPolicyPeer(namespace: string): PolicyPeer {
    if (this.cidr) {
      const except = cidrContains(this.cidr, METADATA_SERVICE_CIDR) ? { except: [METADATA_SERVICE_CIDR] } : {};
      return { ipBlock: { cidr: this.cidr, ...except } };
    }
    if (this.namespaceNames) {
      return {
        namespaceSelector: {
          matchExpressions: [{ key: kplus.Namespace.NAME_LABEL, operator: 'In', values: [...this.namespaceNames] }],
        },
      };
    }
    const podSelector = { matchLabels: this.labels };
    if (this.namespace === namespace) return { podSelector };
    return { namespaceSelector: { matchLabels: { [kplus.Namespace.NAME_LABEL]: this.namespace ?? '' } }, podSelector };
  }
}

/** A port a flow may use. */
export interface FlowPort {
  /** The port number. */
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

export interface NetworkFlowProps {
  /** Where connections start. */
  readonly from: Peer;
  /** Where connections go. */
  readonly to: Peer;
  /** The destination ports. @default every port */
  readonly ports?: readonly FlowPort[];
}

export class NetworkFlowError extends Error {
  override readonly name = 'NetworkFlowError';
}

/**
 * Allows one flow under a deny-by-default namespace: an egress policy on the source pods and an ingress policy on the
 * destination pods, each written only when those pods live in this chart's namespace (the other half belongs to the
 * chart of the other namespace). Policies are named `<id>-egress` and `<id>-ingress`.
 */
export class NetworkFlow extends Construct {
  constructor(scope: Construct, id: string, props: NetworkFlowProps) {
    super(scope, id);
    const namespace = Chart.of(this).namespace;
    if (!namespace) throw new NetworkFlowError(`${this.node.path}: 'NetworkFlow' needs a chart with a namespace`);
    const ports = props.ports?.map((p) => ({ port: kplus.k8s.IntOrString.fromNumber(p.port), protocol: p.protocol ?? 'TCP' }));
    const local = (peer: Peer) => (peer.namespace === namespace && peer.labels ? peer.labels : undefined);
    const fromLabels = local(props.from);
    const toLabels = local(props.to);
    if (!fromLabels && !toLabels) {
      throw new NetworkFlowError(`${this.node.path}: 'from' or 'to' must be pods in namespace ${namespace}`);
    }
    if (fromLabels) {
      new kplus.k8s.KubeNetworkPolicy(this, 'Egress', {
        metadata: { name: `${id}-egress` },
        spec: {
          podSelector: { matchLabels: fromLabels },
          policyTypes: ['Egress'],
          egress: [{ to: [props.to.toPolicyPeer(namespace)], ...(ports ? { ports } : {}) }],
        },
      });
    }
    if (toLabels) {
      new kplus.k8s.KubeNetworkPolicy(this, 'Ingress', {
        metadata: { name: `${id}-ingress` },
        spec: {
          podSelector: { matchLabels: toLabels },
          policyTypes: ['Ingress'],
          ingress: [{ from: [props.from.toPolicyPeer(namespace)], ...(ports ? { ports } : {}) }],
        },
      });
    }
  }
}
