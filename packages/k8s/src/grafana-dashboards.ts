import type { StratusConfig } from '@stratus/config';

/** The uid Grafana gives the provisioned Prometheus datasource; the dashboards refer to it. */
export const DATASOURCE_UID = 'prometheus';

interface Target {
  readonly expr: string;
  readonly legend: string;
}

interface PanelSpec {
  readonly title: string;
  readonly unit: string;
  readonly targets: readonly Target[];
}

function panel(spec: PanelSpec, index: number) {
  const datasource = { type: 'prometheus', uid: DATASOURCE_UID };
  return {
    id: index + 1,
    type: 'timeseries',
    title: spec.title,
    datasource,
    gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
    fieldConfig: { defaults: { unit: spec.unit }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
    targets: spec.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource,
      expr: t.expr,
      legendFormat: t.legend,
    })),
  };
}

function dashboard(uid: string, title: string, panels: readonly PanelSpec[]) {
  return {
    uid,
    title,
    tags: ['stratus'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    panels: panels.map(panel),
  };
}

/** The provisioned dashboards, by file name: the todo API, the stream pipeline, the data lake and the cluster. */
export function grafanaDashboards(config: StratusConfig): Record<string, unknown> {
  const todo = `namespace="${config.todo.namespace}"`;
  const stream = `namespace="${config.stream.namespace}"`;
  const lake = `namespace="${config.lake.namespace}"`;
  const requests = `http_request_duration_seconds_count{${todo}}`;
  return {
    'todo-api.json': dashboard('stratus-todo-api', 'Todo API', [
      {
        title: 'Requests per second by route',
        unit: 'reqps',
        targets: [{ expr: `sum by (route) (rate(${requests}[5m]))`, legend: '{{route}}' }],
      },
      {
        title: 'Error ratio (5xx)',
        unit: 'percentunit',
        targets: [
          {
            expr: `sum(rate(http_request_duration_seconds_count{${todo},status=~"5.."}[5m])) / sum(rate(${requests}[5m]))`,
            legend: '5xx share',
          },
        ],
      },
      {
        title: 'Latency',
        unit: 's',
        targets: [0.5, 0.95, 0.99].map((q) => ({
          expr: `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${todo}}[5m])))`,
          legend: `p${q * 100}`,
        })),
      },
      {
        title: 'Database pool',
        unit: 'short',
        targets: ['total', 'idle']
          .map((kind) => ({ expr: `sum(pg_pool_${kind}_connections{${todo}})`, legend: kind }))
          .concat([{ expr: `sum(pg_pool_waiting_clients{${todo}})`, legend: 'waiting' }]),
      },
    ]),
    'stream.json': dashboard('stratus-stream', 'Stream pipeline', [
      {
        title: 'Events per second',
        unit: 'ops',
        targets: [
          { expr: `sum(rate(producer_events_sent_total{${stream}}[5m]))`, legend: 'produced' },
          { expr: `sum(rate(processor_events_in_total{${stream}}[5m]))`, legend: 'processed' },
        ],
      },
      {
        title: 'Windows per second',
        unit: 'ops',
        targets: [{ expr: `sum(rate(processor_windows_out_total{${stream}}[5m]))`, legend: 'windows' }],
      },
      {
        title: 'Consumer lag by partition',
        unit: 'short',
        targets: [{ expr: `sum by (partition) (processor_consumer_lag{${stream}})`, legend: '{{partition}}' }],
      },
      {
        title: 'Dead letters and producer errors per second',
        unit: 'ops',
        targets: [
          { expr: `sum(rate(processor_dead_letters_total{${stream}}[5m]))`, legend: 'dead letters' },
          { expr: `sum(rate(producer_errors_total{${stream}}[5m]))`, legend: 'producer errors' },
        ],
      },
      {
        title: 'Processing latency p95',
        unit: 's',
        targets: [
          {
            expr: `histogram_quantile(0.95, sum by (le) (rate(processor_processing_latency_seconds_bucket{${stream}}[5m])))`,
            legend: 'p95',
          },
        ],
      },
    ]),
    'lake.json': dashboard('stratus-lake', 'Data lake', [
      {
        title: 'Archiver lag (messages not yet in the lake)',
        unit: 'short',
        targets: [{ expr: `sum by (topic, partition) (archiver_lag_messages{${lake}})`, legend: '{{topic}}/{{partition}}' }],
      },
      {
        title: 'Rows committed per second',
        unit: 'rowsps',
        targets: [{ expr: `sum by (table) (rate(archiver_rows_total{${lake}}[5m]))`, legend: '{{table}}' }],
      },
      {
        title: 'Age of the last commit',
        unit: 's',
        targets: [{ expr: `max by (pod) (archiver_last_commit_age_seconds{${lake}})`, legend: '{{pod}}' }],
      },
      {
        title: 'Kafka to queryable row p95',
        unit: 's',
        targets: [
          {
            expr: `histogram_quantile(0.95, sum by (le) (rate(archiver_queryable_latency_seconds_bucket{${lake}}[5m])))`,
            legend: 'p95',
          },
        ],
      },
    ]),
    'cluster.json': dashboard('stratus-cluster', 'Cluster', [
      {
        title: 'CPU per pod',
        unit: 'cores',
        targets: [
          {
            expr: 'sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!="", pod!=""}[5m]))',
            legend: '{{namespace}}/{{pod}}',
          },
        ],
      },
      {
        title: 'Memory per pod',
        unit: 'bytes',
        targets: [
          {
            expr: 'sum by (namespace, pod) (container_memory_working_set_bytes{container!="", pod!=""})',
            legend: '{{namespace}}/{{pod}}',
          },
        ],
      },
      {
        title: 'Pod restarts in the last hour',
        unit: 'short',
        targets: [
          {
            expr: 'sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total[1h]))',
            legend: '{{namespace}}/{{pod}}',
          },
        ],
      },
      {
        title: 'Node CPU busy',
        unit: 'percentunit',
        targets: [{ expr: '1 - avg by (node) (rate(node_cpu_seconds_total{mode="idle"}[5m]))', legend: '{{node}}' }],
      },
    ]),
  };
}
