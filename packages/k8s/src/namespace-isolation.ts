import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

/** The cluster DNS pods every namespace may query. */
export const CLUSTER_DNS = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } } as const;

/** Deny every ingress and egress of every pod in the chart's namespace, except DNS lookups. */
export class NamespaceIsolation extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new kplus.k8s.KubeNetworkPolicy(this, 'DenyAll', {
      metadata: { name: 'default-deny-all' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new kplus.k8s.KubeNetworkPolicy(this, 'Dns', {
      metadata: { name: 'allow-dns-egress' },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { [kplus.Namespace.NAME_LABEL]: CLUSTER_DNS.namespace } },
                podSelector: { matchLabels: { ...CLUSTER_DNS.labels } },
              },
            ],
            ports: [
              { port: kplus.k8s.IntOrString.fromNumber(53), protocol: 'UDP' },
              { port: kplus.k8s.IntOrString.fromNumber(53), protocol: 'TCP' },
            ],
          },
        ],
      },
    });
  }
}
