import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

export interface VolumeClaimTemplateOptions {
  /** The claim's name; each pod gets `<name>-<statefulset>-<ordinal>`. */
  readonly name: string;
  /** The requested size, such as `10Gi`. */
  readonly storage: string;
  /** Where the first container mounts it. */
  readonly mountPath: string;
  /** Labels of the claims. */
  readonly labels: Record<string, string>;
  /** @default the cluster's default StorageClass (local-path on k3s) */
  readonly storageClassName?: string;
}

/**
 * Gives every pod of a StatefulSet its own PersistentVolumeClaim, mounted in the first container. cdk8s-plus-27 has no
 * volumeClaimTemplates, so the template and its mount are JSON patches; call it after the container has its other mounts.
 */
export function addVolumeClaimTemplate(statefulSet: kplus.StatefulSet, options: VolumeClaimTemplateOptions): void {
  const apiObject = ApiObject.of(statefulSet);
  const spec: Record<string, unknown> = {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: kplus.k8s.Quantity.fromString(options.storage) } },
    ...(options.storageClassName ? { storageClassName: options.storageClassName } : {}),
  };
  apiObject.addJsonPatch(
    JsonPatch.add('/spec/volumeClaimTemplates', [{ metadata: { name: options.name, labels: options.labels }, spec }]),
    JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: options.name, mountPath: options.mountPath }),
  );
}
