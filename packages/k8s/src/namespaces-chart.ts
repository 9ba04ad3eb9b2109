import { Chart, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { MANAGED_BY } from './labels.ts';

export interface NamespacesChartProps extends ChartProps {
  /** The namespaces to create, each enforcing Pod Security "restricted". */
  readonly namespaces: readonly string[];
  /** The Kubernetes version whose "restricted" profile applies, such as 1.36.3. */
  readonly kubernetesVersion: string;
}

export class NamespacesChartError extends Error {
  override readonly name = 'NamespacesChartError';
}

/** The namespaces, applied before anything that lives in them. Each enforces, audits and warns at "restricted". */
export class NamespacesChart extends Chart {
  constructor(scope: Construct, id: string, props: NamespacesChartProps) {
    super(scope, id, { ...props, disableResourceNameHashes: true });
    const minor = /^(\d+)\.(\d+)\./.exec(props.kubernetesVersion);
    if (!minor) throw new NamespacesChartError(`'kubernetesVersion' must look like 1.36.3, got '${props.kubernetesVersion}'`);
    if (new Set(props.namespaces).size !== props.namespaces.length) {
      throw new NamespacesChartError(`'namespaces' must be distinct, got ${props.namespaces.join(', ')}`);
    }
    const level = { level: 'restricted', version: `v${minor[1]}.${minor[2]}` };
    for (const name of props.namespaces) {
      new kplus.Namespace(this, name, {
        metadata: {
          name,
          labels: {
            'app.kubernetes.io/part-of': 'stratus',
            'app.kubernetes.io/managed-by': MANAGED_BY,
            ...Object.fromEntries(
              ['enforce', 'audit', 'warn'].flatMap((mode) => [
                [`pod-security.kubernetes.io/${mode}`, level.level],
                [`pod-security.kubernetes.io/${mode}-version`, level.version],
              ]),
            ),
          },
        },
      });
    }
  }
}
