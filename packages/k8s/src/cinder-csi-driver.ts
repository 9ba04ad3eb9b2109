import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ClusterRbac, type Rule } from './cluster-rbac.ts';
import { clusterScoped } from './cluster-scoped.ts';

/** The versions of the Cinder CSI plugin and of the sidecars its release's manifests use. */
export interface CinderCsiVersions {
  /** kubernetes/cloud-provider-openstack, such as v1.36.0. */
  readonly plugin: string;
  readonly attacher: string;
  readonly provisioner: string;
  readonly resizer: string;
  readonly livenessProbe: string;
  readonly nodeDriverRegistrar: string;
}

export interface CinderCsiDriverProps {
  /** The namespace it runs in (kube-system). */
  readonly namespace: string;
  readonly versions: CinderCsiVersions;
  /** The Secret with `cloud.conf` (an application credential of the project). */
  readonly cloudConfigSecret: string;
  /**
   * The StorageClass name; it is the cluster's default.
   * @default 'cinder'
   */
  readonly storageClass?: string;
}

/** The CSI driver name that Cinder volumes are provisioned and attached by. */
export const CINDER_CSI_DRIVER = 'cinder.csi.openstack.org';
const WATCH = ['get', 'list', 'watch'];
const LEASES: Rule = [['coordination.k8s.io'], ['leases'], ['get', 'watch', 'list', 'delete', 'update', 'create']];
const EVENTS: Rule = [[''], ['events'], ['list', 'watch', 'create', 'update', 'patch']];
const CONTROLLER_ROLES: Readonly<Record<string, readonly Rule[]>> = {
  'csi-attacher-role': [
    [[''], ['persistentvolumes'], [...WATCH, 'patch']],
    [['storage.k8s.io'], ['csinodes'], WATCH],
    [['storage.k8s.io'], ['volumeattachments'], [...WATCH, 'patch']],
    [['storage.k8s.io'], ['volumeattachments/status'], ['patch']],
    LEASES,
  ],
  'csi-provisioner-role': [
    [[''], ['persistentvolumes'], [...WATCH, 'create', 'delete', 'patch']],
    [[''], ['persistentvolumeclaims'], [...WATCH, 'update']],
    [['storage.k8s.io'], ['storageclasses'], WATCH],
    [[''], ['nodes'], WATCH],
    [['storage.k8s.io'], ['csinodes'], WATCH],
    EVENTS,
    [['snapshot.storage.k8s.io'], ['volumesnapshots', 'volumesnapshotcontents'], ['get', 'list']],
    [['storage.k8s.io'], ['volumeattachments'], WATCH],
    LEASES,
  ],
  'csi-resizer-role': [
    [[''], ['persistentvolumes'], [...WATCH, 'patch']],
    [[''], ['persistentvolumeclaims'], WATCH],
    [[''], ['pods'], WATCH],
    [[''], ['persistentvolumeclaims/status'], ['patch']],
    EVENTS,
    LEASES,
  ],
};

const SOCKET = '/var/lib/csi/sockets/pluginproxy/csi.sock';

function sidecar(name: string, image: string, args: string[], socketDir: string): kplus.k8s.Container {
  return {
    name,
    image: `registry.k8s.io/sig-storage/${image}`,
    imagePullPolicy: 'IfNotPresent',
    args,
    volumeMounts: [{ name: 'socket-dir', mountPath: socketDir }],
  };
}

/**
 * The Cinder CSI driver, as upstream's manifests of its release: the controller plugin (a Deployment with the
 * attacher, provisioner, resizer and liveness sidecars), the node plugin (a privileged DaemonSet on every node, which
 * a block device driver has to be), the CSIDriver object and the default StorageClass. A pod's volume is a Cinder
 * volume, attached to whichever node the pod lands on, so it survives the replacement of any node. The snapshotter
 * is left out: it needs the snapshot CRDs and controller, which the platform does not install.
 */
export class CinderCsiDriver extends Construct {
  readonly storageClass: string;

  constructor(scope: Construct, id: string, props: CinderCsiDriverProps) {
    super(scope, id);
    const v = props.versions;
    this.storageClass = props.storageClass ?? 'cinder';
    const plugin = `registry.k8s.io/provider-os/cinder-csi-plugin:${v.plugin}`;
    const cloudConfig = { name: 'cloud-config', secret: { secretName: props.cloudConfigSecret } };
    const cloudConfigMount = { name: 'cloud-config', mountPath: '/etc/config', readOnly: true };
    const healthz = { containerPort: 9808, name: 'healthz', protocol: 'TCP' };
    const liveness = (timeoutSeconds: number, periodSeconds: number) => ({
      failureThreshold: 5,
      httpGet: { path: '/healthz', port: kplus.k8s.IntOrString.fromString('healthz') },
      initialDelaySeconds: 10,
      timeoutSeconds,
      periodSeconds,
    });

    const controllerSa = 'csi-cinder-controller-sa';
    new kplus.k8s.KubeServiceAccount(this, 'ControllerServiceAccount', { metadata: { name: controllerSa } });
    for (const [name, rules] of Object.entries(CONTROLLER_ROLES)) {
      new ClusterRbac(this, name, { name, serviceAccount: controllerSa, namespace: props.namespace, rules });
    }
    const nodeSa = 'csi-cinder-node-sa';
    new kplus.k8s.KubeServiceAccount(this, 'NodeServiceAccount', { metadata: { name: nodeSa } });
    new ClusterRbac(this, 'csi-nodeplugin-role', {
      name: 'csi-nodeplugin-role',
      serviceAccount: nodeSa,
      namespace: props.namespace,
      rules: [[[''], ['events'], ['get', 'list', 'watch', 'create', 'update', 'patch']]],
    });

    const controller = 'csi-cinder-controllerplugin';
    const address = `--csi-address=${SOCKET}`;
    const socketDir = '/var/lib/csi/sockets/pluginproxy/';
    new kplus.k8s.KubeDeployment(this, 'Controller', {
      metadata: { name: controller, labels: { app: controller } },
      spec: {
        replicas: 1,
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(0), maxSurge: kplus.k8s.IntOrString.fromNumber(1) },
        },
        selector: { matchLabels: { app: controller } },
        template: {
          metadata: { labels: { app: controller } },
          spec: {
            serviceAccountName: controllerSa,
            priorityClassName: 'system-cluster-critical',
            containers: [
              sidecar(
                'csi-attacher',
                `csi-attacher:${v.attacher}`,
                [address, '--timeout=3m', '--leader-election=true', '--default-fstype=ext4'],
                socketDir,
              ),
              sidecar(
                'csi-provisioner',
                `csi-provisioner:${v.provisioner}`,
                [
                  address,
                  '--timeout=3m',
                  '--default-fstype=ext4',
                  '--feature-gates=Topology=true',
                  '--extra-create-metadata',
                  '--leader-election=true',
                ],
                socketDir,
              ),
              sidecar(
                'csi-resizer',
                `csi-resizer:${v.resizer}`,
                [address, '--timeout=3m', '--handle-volume-inuse-error=false', '--leader-election=true'],
                socketDir,
              ),
              sidecar('liveness-probe', `livenessprobe:${v.livenessProbe}`, [address], socketDir),
              {
                name: 'cinder-csi-plugin',
                image: plugin,
                imagePullPolicy: 'IfNotPresent',
                args: [
                  '/bin/cinder-csi-plugin',
                  '--endpoint=unix://csi/csi.sock',
                  '--cloud-config=/etc/config/cloud.conf',
                  '--cluster=kubernetes',
                  '--pvc-annotations',
                  '--v=1',
                ],
                ports: [healthz],
                livenessProbe: liveness(10, 60),
                volumeMounts: [{ name: 'socket-dir', mountPath: '/csi' }, cloudConfigMount],
              },
            ],
            volumes: [{ name: 'socket-dir', emptyDir: {} }, cloudConfig],
          },
        },
      },
    });

    const node = 'csi-cinder-nodeplugin';
    const registration = `/var/lib/kubelet/plugins/${CINDER_CSI_DRIVER}`;
    new kplus.k8s.KubeDaemonSet(this, 'Node', {
      metadata: { name: node, labels: { app: node } },
      spec: {
        selector: { matchLabels: { app: node } },
        template: {
          metadata: { labels: { app: node } },
          spec: {
            serviceAccountName: nodeSa,
            hostNetwork: true,
            priorityClassName: 'system-node-critical',
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name: 'node-driver-registrar',
                image: `registry.k8s.io/sig-storage/csi-node-driver-registrar:${v.nodeDriverRegistrar}`,
                imagePullPolicy: 'IfNotPresent',
                args: ['--csi-address=/csi/csi.sock', `--kubelet-registration-path=${registration}/csi.sock`],
                env: [{ name: 'KUBE_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
                volumeMounts: [
                  { name: 'socket-dir', mountPath: '/csi' },
                  { name: 'registration-dir', mountPath: '/registration' },
                ],
              },
              {
                name: 'liveness-probe',
                image: `registry.k8s.io/sig-storage/livenessprobe:${v.livenessProbe}`,
                imagePullPolicy: 'IfNotPresent',
                args: ['--csi-address=/csi/csi.sock'],
                volumeMounts: [{ name: 'socket-dir', mountPath: '/csi' }],
              },
              {
                name: 'cinder-csi-plugin',
                image: plugin,
                imagePullPolicy: 'IfNotPresent',
                securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN'] }, allowPrivilegeEscalation: true },
                args: [
                  '/bin/cinder-csi-plugin',
                  '--endpoint=unix://csi/csi.sock',
                  '--provide-controller-service=false',
                  '--cloud-config=/etc/config/cloud.conf',
                  '--v=1',
                ],
                ports: [healthz],
                livenessProbe: liveness(3, 10),
                volumeMounts: [
                  { name: 'socket-dir', mountPath: '/csi' },
                  { name: 'kubelet-dir', mountPath: '/var/lib/kubelet', mountPropagation: 'Bidirectional' },
                  { name: 'pods-probe-dir', mountPath: '/dev', mountPropagation: 'HostToContainer' },
                  cloudConfigMount,
                ],
              },
            ],
            volumes: [
              { name: 'socket-dir', hostPath: { path: registration, type: 'DirectoryOrCreate' } },
              { name: 'registration-dir', hostPath: { path: '/var/lib/kubelet/plugins_registry/', type: 'Directory' } },
              { name: 'kubelet-dir', hostPath: { path: '/var/lib/kubelet', type: 'Directory' } },
              { name: 'pods-probe-dir', hostPath: { path: '/dev', type: 'Directory' } },
              cloudConfig,
            ],
          },
        },
      },
    });

    clusterScoped(
      new kplus.k8s.KubeCsiDriver(this, 'CSIDriver', {
        metadata: { name: CINDER_CSI_DRIVER },
        spec: { attachRequired: true, podInfoOnMount: true, volumeLifecycleModes: ['Persistent', 'Ephemeral'] },
      }),
    );
    clusterScoped(
      new kplus.k8s.KubeStorageClass(this, 'StorageClass', {
        metadata: { name: this.storageClass, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
        provisioner: CINDER_CSI_DRIVER,
        allowVolumeExpansion: true,
        volumeBindingMode: 'WaitForFirstConsumer',
        reclaimPolicy: 'Delete',
      }),
    );
  }
}
