import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { clusterScoped } from './cluster-scoped.ts';

/** One rule of a ClusterRole: API groups, resources, verbs. */
export type Rule = readonly [apiGroups: readonly string[], resources: readonly string[], verbs: readonly string[]];

export interface ClusterRbacProps {
  /** The ClusterRole and ClusterRoleBinding name. */
  readonly name: string;
  /** The service account that gets the role, in the chart's namespace. */
  readonly serviceAccount: string;
  readonly rules: readonly Rule[];
}

/** A ClusterRole and the binding that gives it to one service account of the chart's namespace. */
export class ClusterRbac extends Construct {
  constructor(scope: Construct, id: string, props: ClusterRbacProps & { readonly namespace: string }) {
    super(scope, id);
    clusterScoped(
      new kplus.k8s.KubeClusterRole(this, 'Role', {
        metadata: { name: props.name },
        rules: props.rules.map(([apiGroups, resources, verbs]) => ({
          apiGroups: [...apiGroups],
          resources: [...resources],
          verbs: [...verbs],
        })),
      }),
    );
    clusterScoped(
      new kplus.k8s.KubeClusterRoleBinding(this, 'Binding', {
        metadata: { name: props.name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: props.name },
        subjects: [{ kind: 'ServiceAccount', name: props.serviceAccount, namespace: props.namespace }],
      }),
    );
  }
}
