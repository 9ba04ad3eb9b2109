import { type ApiObject, JsonPatch } from 'cdk8s';

/** Drops the namespace a chart gives every object from one that is cluster-scoped, such as a ClusterRole. */
export function clusterScoped<T extends ApiObject>(apiObject: T): T {
  apiObject.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return apiObject;
}
