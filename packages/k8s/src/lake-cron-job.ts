import { Cron, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { skipCheck } from './checkov.ts';
import { appLabels, selectorLabels } from './labels.ts';
import { type ResourceSettings, restrictedContainer, restrictedPodSecurity } from './restricted-container.ts';

export interface LakeCronJobProps {
  /** The CronJob's name and `app.kubernetes.io/name` of its pods. */
  readonly name: string;
  /** `app.kubernetes.io/component`. */
  readonly component: string;
  readonly partOf: string;
  readonly version: string;
  /** Five cron fields, in UTC, such as `30 0 * * *`. */
  readonly schedule: string;
  readonly image: string;
  readonly user: number;
  readonly resources: ResourceSettings;
  readonly command: readonly string[];
  /** @default the image's arguments */
  readonly args?: readonly string[];
  readonly env: Readonly<Record<string, kplus.EnvValue>>;
  /** @default none */
  readonly volumeMounts?: readonly kplus.VolumeMount[];
  /** @default none and no API token mounted */
  readonly serviceAccount?: kplus.IServiceAccount;
  /** Longest a run may take before Kubernetes stops it. @default 6 hours */
  readonly activeDeadline?: Duration;
}

export class LakeCronJobError extends Error {
  override readonly name = 'LakeCronJobError';
}

const FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;

/** Five cron fields as cdk8s' Cron, refusing anything else with the prop's name. */
export function parseSchedule(schedule: string, what: string): Cron {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5 || !fields.every((f) => FIELD.test(f))) {
    throw new LakeCronJobError(`'${what}' must be five cron fields such as '30 0 * * *', got '${schedule}'`);
  }
  const [minute, hour, day, month, weekDay] = fields;
  return Cron.schedule({ minute, hour, day, month, weekDay });
}

/**
 * A scheduled lake job: one restricted pod per run, never two at once (a run of a period replaces it, so a second
 * one would only race the first), a few runs kept for `kubectl logs`. `kubectl create job --from=cronjob/<name>` runs
 * it on demand.
 */
export class LakeCronJob extends Construct {
  readonly cronJob: kplus.CronJob;
  readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: LakeCronJobProps) {
    super(scope, id);
    const labels = appLabels(props);
    this.labels = selectorLabels(props.name);
    this.cronJob = new kplus.CronJob(this, 'CronJob', {
      metadata: { name: props.name, labels },
      podMetadata: { labels },
      schedule: parseSchedule(props.schedule, `${props.name}.schedule`),
      timeZone: 'Etc/UTC',
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      startingDeadline: Duration.hours(1),
      successfulJobsRetained: 3,
      failedJobsRetained: 3,
      backoffLimit: 2,
      activeDeadline: props.activeDeadline ?? Duration.hours(6),
      securityContext: restrictedPodSecurity(props.user),
      serviceAccount: props.serviceAccount,
      automountServiceAccountToken: props.serviceAccount !== undefined,
      restartPolicy: kplus.RestartPolicy.NEVER,
      containers: [
        restrictedContainer({
          name: props.name,
          image: props.image,
          user: props.user,
          resources: props.resources,
          command: [...props.command],
          args: props.args ? [...props.args] : undefined,
          envVariables: { ...props.env },
          volumeMounts: [
            { path: '/tmp', volume: kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp', { sizeLimit: Size.gibibytes(2) }) },
            ...(props.volumeMounts ?? []),
          ],
        }),
      ],
    });
    if (props.serviceAccount) {
      skipCheck(
        this.cronJob,
        'CKV_K8S_38',
        "the Spark driver creates and deletes its executor pods through the Kubernetes API, limited to this namespace by its ServiceAccount's Role",
      );
    }
  }
}
