import * as kplus from 'cdk8s-plus-27';
import { secretDir } from './secret-volume.ts';

/** The keys of the deploy-time S3 Secret (`lake.storage.secret`). */
export const S3_CREDENTIAL_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

/**
 * `AWS_ACCESS_KEY_ID_FILE` and `AWS_SECRET_ACCESS_KEY_FILE`: where the S3 Secret's keys appear once it is mounted with
 * `secretVolumeMount`; the apps read the files, and processes that only take the variables get them from
 * `EXPORT_S3_CREDENTIALS` in their own shell, so the keys never lie in the pod spec.
 */
export function s3CredentialFiles(secretName: string): Record<string, kplus.EnvValue> {
  return Object.fromEntries(
    S3_CREDENTIAL_KEYS.map((key) => [`${key}_FILE`, kplus.EnvValue.fromValue(`${secretDir(secretName)}/${key}`)]),
  );
}

/** A shell prefix exporting AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the files `s3CredentialFiles` names. */
export const EXPORT_S3_CREDENTIALS = S3_CREDENTIAL_KEYS.map((key) => `export ${key}="$(cat "$${key}_FILE")"; `).join('');
