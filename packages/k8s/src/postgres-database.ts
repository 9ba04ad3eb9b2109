import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { appLabels, selectorLabels } from './labels.ts';
import { commandProbes } from './probes.ts';
import { type ResourceSettings, restrictedContainer, restrictedPodSecurity } from './restricted-container.ts';
import { secretDir, secretVolumeMount } from './secret-volume.ts';
import { addVolumeClaimTemplate } from './volume-claim-template.ts';

export interface PostgresDatabaseProps {
  /** The name of the StatefulSet and of the headless Service clients connect to. */
  readonly name: string;
  /** The PostgreSQL version: the tag of the official `postgres` image, such as 15.18. */
  readonly version: string;
  /** The image reference: the official `postgres` image of that version, or a mirror of it. */
  readonly image: string;
  /** The uid (and gid) the server runs as; the official image accepts any uid that owns the data volume. */
  readonly runAsUser: number;
  /** @default 5432 */
  readonly port?: number;
  /** The database created on first start. */
  readonly database: string;
  /** Its owner. */
  readonly user: string;
  /** The Secret, created at deploy time and never synthesized, whose key `password` is the owner's password. */
  readonly secretName: string;
  /** The size of the data volume, such as 5Gi. */
  readonly storage: string;
  /** Requests and limits. */
  readonly resources: ResourceSettings;
  /** `app.kubernetes.io/part-of`. */
  readonly partOf: string;
}

export class PostgresDatabaseError extends Error {
  override readonly name = 'PostgresDatabaseError';
}

/** One PostgreSQL server on the official image: a StatefulSet with its own volume, behind a headless Service. */
export class PostgresDatabase extends Construct {
  readonly labels: Record<string, string>;
  readonly port: number;
  readonly statefulSet: kplus.StatefulSet;
  readonly service: kplus.Service;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps) {
    super(scope, id);
    this.port = props.port ?? 5432;
    if (!/^[a-z_][a-z0-9_]*$/.test(props.database)) {
      throw new PostgresDatabaseError(`'database' must be a lowercase SQL identifier, got '${props.database}'`);
    }
    if (!/^[a-z_][a-z0-9_]*$/.test(props.user)) {
      throw new PostgresDatabaseError(`'user' must be a lowercase SQL identifier, got '${props.user}'`);
    }
    const labels = appLabels({ name: props.name, component: 'database', partOf: props.partOf, version: props.version });
    this.labels = selectorLabels(props.name);
    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: props.name, labels },
      clusterIP: 'None',
      selector: kplus.Pods.select(this, 'Pods', { labels: this.labels }),
      ports: [{ name: 'postgres', port: this.port, targetPort: this.port }],
    });
    const probes = commandProbes([
      'pg_isready',
      '-h',
      '127.0.0.1',
      '-p',
      String(this.port),
      '-U',
      props.user,
      '-d',
      props.database,
    ]);
    this.statefulSet = new kplus.StatefulSet(this, 'StatefulSet', {
      metadata: { name: props.name, labels },
      select: false,
      podMetadata: { labels },
      service: this.service,
      replicas: 1,
      securityContext: restrictedPodSecurity(props.runAsUser),
      terminationGracePeriod: Duration.seconds(60),
      containers: [
        restrictedContainer({
          name: 'postgres',
          image: props.image,
          user: props.runAsUser,
          resources: props.resources,
          ports: [{ name: 'postgres', number: this.port }],
          envVariables: {
            POSTGRES_DB: kplus.EnvValue.fromValue(props.database),
            POSTGRES_USER: kplus.EnvValue.fromValue(props.user),
            POSTGRES_PASSWORD_FILE: kplus.EnvValue.fromValue(`${secretDir(props.secretName)}/password`),
            PGDATA: kplus.EnvValue.fromValue('/var/lib/postgresql/data/pgdata'),
            PGPORT: kplus.EnvValue.fromValue(String(this.port)),
          },
          readiness: probes.readiness,
          liveness: probes.liveness,
          startup: probes.startup,
          volumeMounts: [
            secretVolumeMount(this, 'Credentials', props.secretName),
            {
              path: '/var/run/postgresql',
              volume: kplus.Volume.fromEmptyDir(this, 'Run', 'run', { sizeLimit: Size.mebibytes(16) }),
            },
            { path: '/tmp', volume: kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp', { sizeLimit: Size.mebibytes(256) }) },
          ],
        }),
      ],
    });
    this.statefulSet.select(kplus.LabelSelector.of({ labels: this.labels }));
    addVolumeClaimTemplate(this.statefulSet, {
      name: 'data',
      storage: props.storage,
      mountPath: '/var/lib/postgresql/data',
      labels: this.labels,
    });
  }
}
