import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROMETHEUS_NAME, PROMETHEUS_PORT } from '../../packages/k8s/src/prometheus.ts';
import { alertRules } from '../../packages/k8s/src/prometheus-config.ts';
import type { DeployedCluster } from './deploy.ts';
import type { PortForward } from './kubectl.ts';
import { runningPods } from './workloads-suite.ts';

interface Target {
  readonly labels: Record<string, string>;
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly health: string;
  readonly lastError: string;
}

interface Rule {
  readonly name: string;
  readonly type: string;
  readonly health: string;
  readonly lastError?: string;
  readonly state?: string;
}

/** Series the alert rules read, and who exports them; the ones from left-out workloads may be absent. */
const ALERT_INPUTS: Readonly<Record<string, { series: string; from: string }>> = {
  TodoApiErrorRatioHigh: { series: 'http_request_duration_seconds_count', from: 'backend' },
  ProcessorConsumerLagHigh: { series: 'processor_consumer_lag', from: 'processor' },
  PodRestartStorm: { series: 'kube_pod_container_status_restarts_total', from: 'kube-state-metrics' },
  ProcessorDeadLetters: { series: 'processor_dead_letters_total', from: 'processor (only once an event was dead-lettered)' },
};

export function monitoringSuite(cluster: () => DeployedCluster): void {
  describe('monitoring', () => {
    let prometheus: PortForward;
    const get = async <T>(path: string): Promise<T> => {
      const res = await fetch(`${prometheus.url}${path}`);
      expect(res.status, path).toBe(200);
      return ((await res.json()) as { data: T }).data;
    };

    beforeAll(async () => {
      const c = cluster();
      prometheus = await c.kubectl.portForward(c.config.monitoring.namespace, `svc/${PROMETHEUS_NAME}`, PROMETHEUS_PORT);
    });
    afterAll(() => prometheus?.close());

    it('scrapes every pod that asks to be scraped, the kubelet and cAdvisor, and every target is up', async () => {
      const c = cluster();
      const annotated = (await runningPods(c))
        .filter((p) => p.metadata.annotations?.['prometheus.io/scrape'] === 'true')
        .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
        .sort();
      expect(annotated.length).toBeGreaterThan(5);
      const targets = async () => (await get<{ activeTargets: Target[] }>('/api/v1/targets?state=active')).activeTargets;
      await expect
        .poll(
          async () => {
            const active = await targets();
            return {
              pods: active
                .filter((t) => t.scrapePool === 'kubernetes-pods')
                .map((t) => `${t.labels.namespace}/${t.labels.pod}`)
                .sort(),
              pools: [...new Set(active.map((t) => t.scrapePool))].sort(),
              down: active.filter((t) => t.health !== 'up').map((t) => `${t.scrapeUrl}: ${t.health} ${t.lastError}`),
            };
          },
          { timeout: 180_000, interval: 5_000 },
        )
        .toEqual({ pods: annotated, pools: ['cadvisor', 'kubelet', 'kubernetes-pods'], down: [] });
    });

    it('loads the alert rules, evaluates them without error, and the alerts are quiet', async () => {
      const c = cluster();
      const expected = alertRules(c.config)
        .groups.flatMap((g) => g.rules.map((r) => r.alert))
        .sort();
      const groups = (await get<{ groups: { name: string; rules: Rule[] }[] }>('/api/v1/rules')).groups;
      const rules = groups.flatMap((g) => g.rules);
      expect(rules.map((r) => r.name).sort()).toEqual(expected);
      await expect
        .poll(
          async () =>
            (await get<{ groups: { rules: Rule[] }[] }>('/api/v1/rules')).groups
              .flatMap((g) => g.rules)
              .map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`.trim())
              .sort(),
          {
            timeout: 90_000,
            interval: 5_000,
          },
        )
        .toEqual(expected.map((name) => `${name}: ok`));
      const alerts = (await get<{ alerts: { labels: { alertname: string }; state: string }[] }>('/api/v1/alerts')).alerts;
      expect(alerts.map((a) => `${a.labels.alertname} ${a.state}`)).toEqual([]);

      const leftOut = new Set(c.leftOut.map((l) => l.workload));
      for (const name of expected) {
        const input = ALERT_INPUTS[name];
        if (!input) throw new Error(`${name}: the suite does not know which series it reads`);
        const series = await get<unknown[]>(`/api/v1/series?match[]=${encodeURIComponent(input.series)}`);
        if (input.from === 'backend' || input.from === 'processor') {
          expect(series.length, `${input.series} from the ${input.from}`).toBeGreaterThan(0);
        } else if (input.from === 'kube-state-metrics' && !leftOut.has('kube-state-metrics')) {
          expect(series.length, `${input.series} from kube-state-metrics`).toBeGreaterThan(0);
        } else {
          console.warn(`${name} is quiet without data: ${input.series} comes from ${input.from}, ${series.length} series now`);
        }
      }
    });
  });
}
