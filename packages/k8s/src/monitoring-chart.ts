import type { StratusConfig } from '@stratus/config';
import { Chart, type ChartProps } from 'cdk8s';
import type { Construct } from 'constructs';
import { GRAFANA_PORT, Grafana } from './grafana.ts';
import { KUBE_STATE_METRICS_PORT, KubeStateMetrics } from './kube-state-metrics.ts';
import { NamespaceIsolation } from './namespace-isolation.ts';
import { NetworkFlow, Peer } from './network-flow.ts';
import { NODE_EXPORTER_PORT, NodeExporter } from './node-exporter.ts';
import { PROMETHEUS_PORT, Prometheus } from './prometheus.ts';

/** The API server as seen from pods: the `kubernetes` Service's port and, after DNAT, the k3s server's. */
const API_SERVER_PORTS = [{ port: 443 }, { port: 6443 }];

export interface MonitoringChartProps extends ChartProps {
  /** The validated platform config. */
  readonly config: StratusConfig;
}

/** Prometheus, kube-state-metrics, node-exporter and Grafana in the monitoring namespace. */
export class MonitoringChart extends Chart {
  readonly prometheus: Prometheus;
  readonly grafana: Grafana;

  constructor(scope: Construct, id: string, props: MonitoringChartProps) {
    const { config } = props;
    const ns = config.monitoring.namespace;
    super(scope, id, { ...props, namespace: ns, disableResourceNameHashes: true });
    this.prometheus = new Prometheus(this, 'Prometheus', { config });
    const kubeStateMetrics = new KubeStateMetrics(this, 'KubeStateMetrics', { config });
    const nodeExporter = new NodeExporter(this, 'NodeExporter', { config });
    this.grafana = new Grafana(this, 'Grafana', { config });

    new NamespaceIsolation(this, 'Isolation');
    const prometheus = this.prometheus.app.peer;
    const apiServer = Peer.cidr('0.0.0.0/0');
    new NetworkFlow(this, 'allow-prometheus-to-apiserver', { from: prometheus, to: apiServer, ports: API_SERVER_PORTS });
    new NetworkFlow(this, 'allow-kube-state-metrics-to-apiserver', {
      from: kubeStateMetrics.app.peer,
      to: apiServer,
      ports: API_SERVER_PORTS,
    });
    new NetworkFlow(this, 'allow-prometheus-to-workloads', {
      from: prometheus,
      to: Peer.namespaces(config.todo.namespace, config.stream.namespace, config.lake.namespace, ns),
    });
    new NetworkFlow(this, 'allow-prometheus-to-kube-state-metrics', {
      from: prometheus,
      to: kubeStateMetrics.app.peer,
      ports: [{ port: KUBE_STATE_METRICS_PORT }],
    });
    new NetworkFlow(this, 'allow-prometheus-to-node-exporter', {
      from: prometheus,
      to: Peer.pods(ns, nodeExporter.labels),
      ports: [{ port: NODE_EXPORTER_PORT }],
    });
    new NetworkFlow(this, 'allow-prometheus-to-grafana', {
      from: prometheus,
      to: this.grafana.app.peer,
      ports: [{ port: GRAFANA_PORT }],
    });
    new NetworkFlow(this, 'allow-prometheus-self-scrape', {
      from: prometheus,
      to: prometheus,
      ports: [{ port: PROMETHEUS_PORT }],
    });
    new NetworkFlow(this, 'allow-grafana-to-prometheus', {
      from: this.grafana.app.peer,
      to: prometheus,
      ports: [{ port: PROMETHEUS_PORT }],
    });
  }
}
