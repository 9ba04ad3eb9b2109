import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';

/** Where a Secret's keys appear as files; the `<VAR>_FILE` variables of the images point here. */
export const secretDir = (secretName: string) => `/etc/secrets/${secretName}`;

/**
 * A Secret mounted read-only as files owned by the pod's fsGroup (mode 0440), so that a password is read from a file
 * instead of lying in the environment, where every child process and crash dump sees it.
 */
export function secretVolumeMount(scope: Construct, id: string, secretName: string): kplus.VolumeMount {
  const secret = kplus.Secret.fromSecretName(scope, `${id}Secret`, secretName);
  return {
    path: secretDir(secretName),
    readOnly: true,
    volume: kplus.Volume.fromSecret(scope, id, secret, { name: secretName, defaultMode: 0o440 }),
  };
}
