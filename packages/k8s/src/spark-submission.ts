import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { appLabels, selectorLabels } from './labels.ts';
import { Peer } from './network-flow.ts';
import { cpuMillis, MIB, memoryBytes } from './quantity.ts';
import type { ResourceSettings } from './restricted-container.ts';
import { EXPORT_S3_CREDENTIALS } from './s3-credentials.ts';

export interface SparkSubmissionProps {
  /** The ServiceAccount (and Role) of the drivers, and the prefix of the ConfigMap. */
  readonly name: string;
  /** The lake-spark image: apache/spark with the Iceberg jars and the job scripts. */
  readonly image: string;
  /** The uid of the image's `spark` user. */
  readonly user: number;
  readonly executors: number;
  readonly driver: ResourceSettings;
  readonly executor: ResourceSettings;
  /** The Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, handed to the executors by reference. */
  readonly credentialsSecret: string;
  /** Spark properties of the lake's catalog (`sparkLakeConf`). */
  readonly lakeConf: readonly (readonly [string, string])[];
  /** Further files for the ConfigMap, such as the batch plan. */
  readonly files: Readonly<Record<string, string>>;
  readonly partOf: string;
  readonly version: string;
}

export class SparkSubmissionError extends Error {
  override readonly name = 'SparkSubmissionError';
}

/** Fixed driver ports, so NetworkPolicies can name them. */
export const SPARK_DRIVER_PORT = 7078;
export const SPARK_BLOCK_MANAGER_PORT = 7079;
/** Where the ConfigMap is mounted in the driver pods. */
export const SPARK_CONF_DIR = '/opt/stratus/conf';
/** Where the image keeps the PySpark scripts (apps/lake-batch/spark). */
export const SPARK_SCRIPTS = 'local:///opt/stratus/spark';

const SUBMIT = `#!/bin/bash
# spark-submit in client mode: this pod is the driver, its executors are pods it creates through the API server
# (ServiceAccount ${'$'}{SERVICE_ACCOUNT}); they are owned by this pod and go when it goes. It goes through the image's
# entrypoint in its driver mode (client mode, bound to SPARK_DRIVER_BIND_ADDRESS), which gives a runAsUser without a
# passwd entry one (nss_wrapper): Hadoop's login, which Spark's file systems use, fails on a nameless uid.
set -euo pipefail
${EXPORT_S3_CREDENTIALS}
export SPARK_DRIVER_BIND_ADDRESS="${'$'}{POD_IP}"
exec /opt/entrypoint.sh driver \\
  --master k8s://https://kubernetes.default.svc:443 \\
  --properties-file ${SPARK_CONF_DIR}/spark.properties \\
  --conf "spark.driver.host=${'$'}{POD_IP}" --conf "spark.kubernetes.driver.pod.name=${'$'}{POD_NAME}" \\
  "$@"
`;

/** A JVM's memory for a container limit: the rest of the limit is Spark's overhead (off-heap, Python workers). */
function jvmMemory(settings: ResourceSettings, what: string): string {
  const limitMiB = Math.floor(memoryBytes(settings.memoryLimit) / MIB);
  const heap = Math.floor(limitMiB * 0.7);
  if (heap < 512)
    throw new SparkSubmissionError(
      `'${what}.memoryLimit' must be at least 732Mi for a 512 MiB heap, got ${settings.memoryLimit}`,
    );
  return `${heap}m`;
}

/**
 * What Spark on Kubernetes needs to run the lake's jobs as its users run them (spark-submit with a k8s:// master):
 * the drivers' ServiceAccount with a Role to create and delete executor pods and their services and ConfigMaps in
 * this namespace, the executors' pod template (restricted Pod Security), and the spark.properties every submission
 * shares. `submitCommand` is the container command of a driver pod.
 */
export class SparkSubmission extends Construct {
  readonly serviceAccount: kplus.ServiceAccount;
  readonly configMap: kplus.ConfigMap;
  /** The executor pods, as a NetworkFlow end. */
  readonly executorPeer: Peer;
  readonly executorLabels: Record<string, string>;

  constructor(scope: Construct, id: string, props: SparkSubmissionProps) {
    super(scope, id);
    const namespace = Chart.of(this).namespace;
    if (!namespace) throw new SparkSubmissionError(`${this.node.path}: 'SparkSubmission' needs a chart with a namespace`);
    if (props.executors < 1) throw new SparkSubmissionError(`'executors' must be at least 1, got ${props.executors}`);
    const labels = appLabels({ name: props.name, component: 'spark', partOf: props.partOf, version: props.version });
    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: props.name, labels },
      automountToken: false,
    });
    new kplus.k8s.KubeRole(this, 'Role', {
      metadata: { name: props.name, labels },
      rules: [
        {
          apiGroups: [''],
          resources: ['pods', 'services', 'configmaps', 'persistentvolumeclaims'],
          verbs: ['create', 'get', 'list', 'watch', 'delete', 'deletecollection', 'patch', 'update'],
        },
      ],
    });
    new kplus.k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name: props.name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: props.name },
      subjects: [{ kind: 'ServiceAccount', name: props.name, namespace }],
    });

    const executorName = `${props.name}-executor`;
    this.executorLabels = selectorLabels(executorName);
    this.executorPeer = Peer.pods(namespace, this.executorLabels);
    const executorTemplate = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        labels: appLabels({ name: executorName, component: 'spark-executor', partOf: props.partOf, version: props.version }),
      },
      spec: {
        automountServiceAccountToken: false,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: props.user,
          runAsGroup: props.user,
          fsGroup: props.user,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        containers: [
          {
            name: 'spark-kubernetes-executor',
            securityContext: {
              allowPrivilegeEscalation: false,
              privileged: false,
              runAsNonRoot: true,
              capabilities: { drop: ['ALL'] },
            },
          },
        ],
      },
    };
    const cpu = (m: number) => (m % 1000 === 0 ? String(m / 1000) : `${m}m`);
    const properties: [string, string][] = [
      ...props.lakeConf.map(([k, v]) => [k, v] as [string, string]),
      ['spark.kubernetes.namespace', namespace],
      ['spark.kubernetes.container.image', props.image],
      ['spark.kubernetes.container.image.pullPolicy', 'IfNotPresent'],
      ['spark.kubernetes.authenticate.serviceAccountName', props.name],
      ['spark.kubernetes.executor.podTemplateFile', `${SPARK_CONF_DIR}/executor-template.yaml`],
      ['spark.kubernetes.executor.podNamePrefix', executorName],
      ...Object.entries(this.executorLabels).map(([k, v]) => [`spark.kubernetes.executor.label.${k}`, v] as [string, string]),
      ['spark.kubernetes.executor.secretKeyRef.AWS_ACCESS_KEY_ID', `${props.credentialsSecret}:AWS_ACCESS_KEY_ID`],
      ['spark.kubernetes.executor.secretKeyRef.AWS_SECRET_ACCESS_KEY', `${props.credentialsSecret}:AWS_SECRET_ACCESS_KEY`],
      ['spark.executor.instances', String(props.executors)],
      ['spark.executor.cores', String(Math.max(1, Math.floor(cpuMillis(props.executor.cpuLimit) / 1000)))],
      ['spark.kubernetes.executor.request.cores', cpu(cpuMillis(props.executor.cpu))],
      ['spark.kubernetes.executor.limit.cores', cpu(cpuMillis(props.executor.cpuLimit))],
      ['spark.executor.memory', jvmMemory(props.executor, 'executor')],
      ['spark.executor.memoryOverheadFactor', '0.3'],
      ['spark.driver.memory', jvmMemory(props.driver, 'driver')],
      ['spark.driver.port', String(SPARK_DRIVER_PORT)],
      ['spark.driver.blockManager.port', String(SPARK_BLOCK_MANAGER_PORT)],
      ['spark.blockManager.port', String(SPARK_BLOCK_MANAGER_PORT)],
      ['spark.ui.enabled', 'false'],
      ['spark.jars.ivy', '/tmp/.ivy2'],
      ['spark.local.dir', '/tmp/spark'],
    ];
    this.configMap = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: `${props.name}-conf`, labels },
      data: {
        'spark.properties': `${properties.map(([k, v]) => `${k}=${v}`).join('\n')}\n`,
        'executor-template.yaml': stringify(executorTemplate),
        'submit.sh': SUBMIT,
        ...props.files,
      },
    });
  }

  /** Mount of the ConfigMap in a driver pod. */
  confMount(owner: Construct): kplus.VolumeMount {
    return {
      path: SPARK_CONF_DIR,
      volume: kplus.Volume.fromConfigMap(owner, 'SparkConf', this.configMap, { name: 'spark-conf' }),
    };
  }

  /** The environment a driver pod needs: its address and name for the executors, and the lake's credentials. */
  driverEnv(): Record<string, kplus.EnvValue> {
    return {
      POD_IP: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_IP),
      POD_NAME: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
      SERVICE_ACCOUNT: kplus.EnvValue.fromValue(this.serviceAccount.name),
      SPARK_USER: kplus.EnvValue.fromValue('spark'),
      HOME: kplus.EnvValue.fromValue('/tmp'),
    };
  }

  /** The container command of a driver: submit.sh with the script (a file of apps/lake-batch/spark) and its arguments. */
  submitCommand(script: string, args: readonly string[]): string[] {
    return ['/bin/bash', `${SPARK_CONF_DIR}/submit.sh`, `${SPARK_SCRIPTS}/${script}`, ...args];
  }
}
