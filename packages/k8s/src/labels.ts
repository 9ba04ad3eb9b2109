/** The `app.kubernetes.io/*` labels of one component of the platform. */
export interface AppLabelsProps {
  /** `app.kubernetes.io/name`: what the component is, such as `backend` or `kafka`. */
  readonly name: string;
  /** `app.kubernetes.io/component`: its role, such as `api`, `database` or `broker`. */
  readonly component: string;
  /** `app.kubernetes.io/part-of`: the system it belongs to, such as `todo`. */
  readonly partOf: string;
  /** `app.kubernetes.io/version`: the version of the software it runs. */
  readonly version: string;
}

export const MANAGED_BY = 'cdk8s';

/** The labels that select a component's pods: stable across versions, so they can sit in immutable selectors. */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
}

/** Every recommended label, for metadata and pod templates. */
export function appLabels(props: AppLabelsProps): Record<string, string> {
  return {
    ...selectorLabels(props.name),
    'app.kubernetes.io/component': props.component,
    'app.kubernetes.io/part-of': props.partOf,
    'app.kubernetes.io/version': props.version,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}
