import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ClusterRbac, type Rule } from './cluster-rbac.ts';

export interface OpenStackCloudControllerManagerProps {
  /** The namespace it runs in (kube-system). */
  readonly namespace: string;
  /** The kubernetes/cloud-provider-openstack release, the image tag, such as v1.36.0. */
  readonly version: string;
  /** The Secret with `cloud.conf` (an application credential of the project). */
  readonly cloudConfigSecret: string;
}

const ALL = ['*'];
const RULES: readonly Rule[] = [
  [['coordination.k8s.io'], ['leases'], ['get', 'create', 'update']],
  [[''], ['events'], ['create', 'patch', 'update']],
  [[''], ['nodes'], ALL],
  [[''], ['nodes/status'], ['patch']],
  [[''], ['services'], ['list', 'patch', 'update', 'watch']],
  [[''], ['services/status'], ['patch']],
  [[''], ['serviceaccounts'], ['create', 'get']],
  [[''], ['serviceaccounts/token'], ['create']],
  [[''], ['persistentvolumes'], ALL],
  [[''], ['endpoints'], ['create', 'get', 'list', 'watch', 'update']],
  [[''], ['configmaps'], ['get', 'list', 'watch']],
  [[''], ['secrets'], ['list', 'get', 'watch']],
];

/**
 * The OpenStack cloud controller manager, as upstream's DaemonSet manifest: on the control-plane node, host network,
 * with the RBAC of its release. It initializes each node from its Nova instance (addresses, zone, provider id) and
 * deletes the Node of a deleted instance, so a replaced agent's pods and their Cinder volumes move to the live nodes.
 */
export class OpenStackCloudControllerManager extends Construct {
  static readonly NAME = 'openstack-cloud-controller-manager';

  constructor(scope: Construct, id: string, props: OpenStackCloudControllerManagerProps) {
    super(scope, id);
    const name = OpenStackCloudControllerManager.NAME;
    const serviceAccount = 'cloud-controller-manager';
    const labels = { 'k8s-app': name, 'app.kubernetes.io/name': name, 'app.kubernetes.io/version': props.version };
    new kplus.k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: serviceAccount } });
    new ClusterRbac(this, 'Rbac', {
      name: 'system:cloud-controller-manager',
      serviceAccount,
      namespace: props.namespace,
      rules: RULES,
    });
    new kplus.k8s.KubeDaemonSet(this, 'DaemonSet', {
      metadata: { name, labels },
      spec: {
        selector: { matchLabels: { 'k8s-app': name } },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: serviceAccount,
            hostNetwork: true,
            priorityClassName: 'system-cluster-critical',
            securityContext: { runAsUser: 1001, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    { matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }] },
                  ],
                },
              },
            },
            tolerations: [
              { key: 'CriticalAddonsOnly', operator: 'Equal', value: 'true', effect: 'NoExecute' },
              { key: 'node.cloudprovider.kubernetes.io/uninitialized', value: 'true', effect: 'NoSchedule' },
              { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
            ],
            containers: [
              {
                name,
                image: `registry.k8s.io/provider-os/openstack-cloud-controller-manager:${props.version}`,
                imagePullPolicy: 'IfNotPresent',
                args: [
                  '/bin/openstack-cloud-controller-manager',
                  '--v=1',
                  '--cluster-name=kubernetes',
                  '--cloud-config=/etc/config/cloud.conf',
                  '--cloud-provider=openstack',
                  '--use-service-account-credentials=false',
                  '--bind-address=127.0.0.1',
                ],
                resources: { requests: { cpu: kplus.k8s.Quantity.fromString('200m') } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [
                  { name: 'ca-certs', mountPath: '/etc/ssl/certs', readOnly: true },
                  { name: 'cloud-config', mountPath: '/etc/config', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'ca-certs', hostPath: { path: '/etc/ssl/certs', type: 'DirectoryOrCreate' } },
              { name: 'cloud-config', secret: { secretName: props.cloudConfigSecret } },
            ],
          },
        },
      },
    });
  }
}
