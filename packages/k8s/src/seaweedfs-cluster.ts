import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { appLabels, selectorLabels } from './labels.ts';
import { NetworkFlow, Peer } from './network-flow.ts';
import { tcpProbes } from './probes.ts';
import { type ResourceSettings, restrictedContainer, restrictedPodSecurity, scrapeAnnotations } from './restricted-container.ts';
import { EXPORT_S3_CREDENTIALS, s3CredentialFiles } from './s3-credentials.ts';
import { secretVolumeMount } from './secret-volume.ts';
import { addVolumeClaimTemplate } from './volume-claim-template.ts';

export interface SeaweedfsPorts {
  readonly master: number;
  readonly volume: number;
  readonly filer: number;
  readonly s3: number;
  /** The Iceberg REST catalog of the S3 gateway. */
  readonly iceberg: number;
  /** Every component's Prometheus endpoint (each runs in its own pod). */
  readonly metrics: number;
}

export interface SeaweedfsClusterProps {
  /** The prefix of every object; the S3 gateway's Service is `<name>` itself. */
  readonly name: string;
  /** The image, such as chrislusf/seaweedfs:4.53. */
  readonly image: string;
  /** `app.kubernetes.io/version`. */
  readonly version: string;
  /** The non-root uid (and gid) every component runs as. */
  readonly user: number;
  readonly ports: SeaweedfsPorts;
  /** Sizes of the persistent volumes of the master (topology), the volume server (the data) and the filer (metadata). */
  readonly storage: { readonly master: string; readonly volume: string; readonly filer: string };
  /** Requests and limits of each component. */
  readonly resources: ResourceSettings;
  /** The Secret, created at deploy time, whose AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are the S3 admin identity. */
  readonly credentialsSecret: string;
  /** The S3 Tables bucket the Iceberg catalog serves as its warehouse; a Job creates it. */
  readonly tableBucket: string;
  /** `app.kubernetes.io/part-of`. */
  readonly partOf: string;
}

export class SeaweedfsClusterError extends Error {
  override readonly name = 'SeaweedfsClusterError';
}

/** SeaweedFS's gRPC port of a component: its HTTP port + 10000. */
const grpc = (port: number) => port + 10_000;

/** The account SeaweedFS's S3 Tables give buckets created without IAM. */
const DEFAULT_ACCOUNT = '000000000000';

/**
 * SeaweedFS as the lake's object store: a master, a volume server and a filer, each a StatefulSet with its own
 * persistent volume, and the S3 gateway, a Deployment that also serves the Iceberg REST catalog. Every component is
 * scraped by Prometheus; a Job creates the table bucket. Clients reach `<name>` on the S3 and catalog ports.
 */
export class SeaweedfsCluster extends Construct {
  /** Every SeaweedFS pod (and the bucket Job's), as a NetworkFlow end. */
  readonly storagePeer: Peer;
  /** The S3 gateway's pods: where clients connect. */
  readonly gatewayPeer: Peer;
  /** `http://<name>.<namespace>.svc...:<s3>` */
  readonly s3Url: string;
  readonly catalogUrl: string;

  constructor(scope: Construct, id: string, props: SeaweedfsClusterProps) {
    super(scope, id);
    const namespace = Chart.of(this).namespace;
    if (!namespace) throw new SeaweedfsClusterError(`${this.node.path}: 'SeaweedfsCluster' needs a chart with a namespace`);
    const p = props.ports;
    const all = [p.master, grpc(p.master), p.volume, grpc(p.volume), p.filer, grpc(p.filer), p.s3, p.iceberg, p.metrics];
    if (new Set(all).size !== all.length) {
      throw new SeaweedfsClusterError(`'ports' must all differ, including the gRPC ports (each + 10000): ${all.join(', ')}`);
    }
    if (props.user === 0) throw new SeaweedfsClusterError("'user' must not be 0: restricted Pod Security needs a non-root uid");
    const component = 'object-storage';
    const storageLabels = { 'app.kubernetes.io/part-of': props.partOf, 'app.kubernetes.io/component': component };
    this.storagePeer = Peer.pods(namespace, storageLabels);
    const host = (name: string) => `${name}.${namespace}.svc`;
    const master = `${props.name}-master`;
    const filer = `${props.name}-filer`;
    const masterAddress = `${host(master)}:${p.master}`;
    const filerAddress = `${host(filer)}:${p.filer}`;
    this.s3Url = `http://${host(props.name)}:${p.s3}`;
    this.catalogUrl = `http://${host(props.name)}:${p.iceberg}`;
    const podIp = kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_IP);
    const tmp = (owner: Construct) => ({
      path: '/tmp',
      volume: kplus.Volume.fromEmptyDir(owner, 'Tmp', 'tmp', { sizeLimit: Size.mebibytes(256) }),
    });
    // The image declares VOLUME /data, which the runtime would make writable unasked; the stateless pods get a small
    // emptyDir there, so what they can write is what the chart mounts.
    const scratchData = (owner: Construct) => ({
      path: '/data',
      volume: kplus.Volume.fromEmptyDir(owner, 'ScratchData', 'data', { sizeLimit: Size.mebibytes(16) }),
    });

    const stateful = (role: 'master' | 'volume' | 'filer', port: number, storage: string, args: string[]) => {
      const name = `${props.name}-${role}`;
      const owner = new Construct(this, role);
      const labels = appLabels({ name, component, partOf: props.partOf, version: props.version });
      const headless = new kplus.Service(owner, 'Service', {
        metadata: { name, labels },
        clusterIP: 'None',
        selector: kplus.Pods.select(owner, 'Pods', { labels: selectorLabels(name) }),
        ports: [
          { name: 'http', port, targetPort: port },
          { name: 'grpc', port: grpc(port), targetPort: grpc(port) },
        ],
      });
      const probes = tcpProbes(port);
      const set = new kplus.StatefulSet(owner, 'StatefulSet', {
        metadata: { name, labels },
        select: false,
        podMetadata: { labels, annotations: scrapeAnnotations(p.metrics) },
        service: headless,
        replicas: 1,
        securityContext: restrictedPodSecurity(props.user),
        terminationGracePeriod: Duration.seconds(30),
        containers: [
          restrictedContainer({
            name: role,
            image: props.image,
            user: props.user,
            resources: props.resources,
            command: ['/usr/bin/weed'],
            args: [role, ...args, `-metricsPort=${p.metrics}`],
            ports: [
              { name: 'http', number: port },
              { name: 'grpc', number: grpc(port) },
              { name: 'metrics', number: p.metrics },
            ],
            envVariables: { POD_IP: podIp },
            readiness: probes.readiness,
            liveness: probes.liveness,
            startup: probes.startup,
            volumeMounts: [tmp(owner)],
          }),
        ],
      });
      set.select(kplus.LabelSelector.of({ labels: selectorLabels(name) }));
      addVolumeClaimTemplate(set, { name: 'data', storage, mountPath: '/data', labels: selectorLabels(name) });
    };
    stateful('master', p.master, props.storage.master, [
      `-ip=${host(master)}`,
      '-ip.bind=0.0.0.0',
      `-port=${p.master}`,
      '-mdir=/data',
      '-defaultReplication=000',
      '-volumeSizeLimitMB=1024',
    ]);
    stateful('volume', p.volume, props.storage.volume, [
      '-ip=$(POD_IP)',
      '-ip.bind=0.0.0.0',
      `-port=${p.volume}`,
      '-dir=/data',
      '-max=0',
      `-master=${masterAddress}`,
    ]);
    stateful('filer', p.filer, props.storage.filer, [
      '-ip=$(POD_IP)',
      '-ip.bind=0.0.0.0',
      `-port=${p.filer}`,
      '-defaultStoreDir=/data',
      `-master=${masterAddress}`,
    ]);

    const gatewayLabels = appLabels({ name: props.name, component, partOf: props.partOf, version: props.version });
    this.gatewayPeer = Peer.pods(namespace, selectorLabels(props.name));
    const probes = tcpProbes(p.s3);
    const gateway = new kplus.Deployment(this, 'Gateway', {
      metadata: { name: props.name, labels: gatewayLabels },
      select: false,
      podMetadata: { labels: gatewayLabels, annotations: scrapeAnnotations(p.metrics) },
      replicas: 1,
      securityContext: restrictedPodSecurity(props.user),
      automountServiceAccountToken: false,
      containers: [
        restrictedContainer({
          name: 's3',
          image: props.image,
          user: props.user,
          resources: props.resources,
          command: ['/bin/sh', '-c', `${EXPORT_S3_CREDENTIALS}exec /usr/bin/weed "$@"`, 'weed'],
          args: [
            's3',
            '-ip.bind=0.0.0.0',
            `-port=${p.s3}`,
            `-port.iceberg=${p.iceberg}`,
            '-port.lance=0',
            `-filer=${filerAddress}`,
            `-metricsPort=${p.metrics}`,
          ],
          ports: [
            { name: 's3', number: p.s3 },
            { name: 'iceberg', number: p.iceberg },
            { name: 'metrics', number: p.metrics },
          ],
          envVariables: {
            ...s3CredentialFiles(props.credentialsSecret),
            S3_TABLE_BUCKET: kplus.EnvValue.fromValue(props.tableBucket),
          },
          readiness: probes.readiness,
          liveness: probes.liveness,
          startup: probes.startup,
          volumeMounts: [tmp(this), scratchData(this), secretVolumeMount(this, 'Credentials', props.credentialsSecret)],
        }),
      ],
    });
    gateway.select(kplus.LabelSelector.of({ labels: selectorLabels(props.name) }));
    new kplus.Service(this, 'GatewayService', {
      metadata: { name: props.name, labels: gatewayLabels },
      selector: kplus.Pods.select(this, 'GatewayPods', { labels: selectorLabels(props.name) }),
      ports: [
        { name: 's3', port: p.s3, targetPort: p.s3 },
        { name: 'iceberg', port: p.iceberg, targetPort: p.iceberg },
      ],
    });

    const bucketJob = `${props.name}-table-bucket`;
    const jobLabels = appLabels({ name: bucketJob, component, partOf: props.partOf, version: props.version });
    const script =
      `until echo 'cluster.check' | weed shell -master=${masterAddress} -filer=${filerAddress} >/dev/null 2>&1; do sleep 5; done; ` +
      `out=$(echo 's3tables.bucket -create -name ${props.tableBucket} -account ${DEFAULT_ACCOUNT}' | ` +
      `weed shell -master=${masterAddress} -filer=${filerAddress} 2>&1); echo "$out"; ` +
      `case "$out" in *rror*) case "$out" in *lready*) ;; *) exit 1 ;; esac ;; esac`;
    new kplus.Job(this, 'TableBucket', {
      metadata: { name: bucketJob, labels: jobLabels },
      podMetadata: { labels: jobLabels },
      backoffLimit: 20,
      activeDeadline: Duration.minutes(30),
      ttlAfterFinished: Duration.minutes(10),
      securityContext: restrictedPodSecurity(props.user),
      containers: [
        restrictedContainer({
          name: 'table-bucket',
          image: props.image,
          user: props.user,
          resources: props.resources,
          command: ['/bin/sh', '-c', script],
          envVariables: { HOME: kplus.EnvValue.fromValue('/tmp') },
          volumeMounts: [
            { path: '/tmp', volume: kplus.Volume.fromEmptyDir(this, 'JobTmp', 'tmp') },
            scratchData(new Construct(this, 'Job')),
          ],
        }),
      ],
    });

    new NetworkFlow(this, 'allow-seaweedfs-to-seaweedfs', {
      from: this.storagePeer,
      to: this.storagePeer,
      ports: [p.master, grpc(p.master), p.volume, grpc(p.volume), p.filer, grpc(p.filer)].map((port) => ({ port })),
    });
  }
}
