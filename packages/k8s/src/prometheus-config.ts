import type { StratusConfig } from '@stratus/config';

/** Where the kubelet mounts the pod's service account token and the cluster CA. */
export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Scrapes a node endpoint through the API server's proxy, so Prometheus needs no route to the kubelets. */
function kubeletJob(jobName: string, path: string) {
  return {
    job_name: jobName,
    scheme: 'https',
    tls_config: { ca_file: `${SA_DIR}/ca.crt` },
    authorization: { credentials_file: `${SA_DIR}/token` },
    kubernetes_sd_configs: [{ role: 'node' }],
    relabel_configs: [
      { action: 'labelmap', regex: '__meta_kubernetes_node_label_(.+)' },
      { target_label: '__address__', replacement: 'kubernetes.default.svc:443' },
      {
        source_labels: ['__meta_kubernetes_node_name'],
        regex: '(.+)',
        target_label: '__metrics_path__',
        replacement: `/api/v1/nodes/$1/proxy${path}`,
      },
      { source_labels: ['__meta_kubernetes_node_name'], target_label: 'node' },
    ],
  };
}

/**
 * `prometheus.yml`: annotated pods in the platform's namespaces, the kubelets and their cAdvisor. Pod discovery stays
 * within `namespaces`, which are the ones the NetworkPolicies let Prometheus reach: k3s annotates its own Traefik pod
 * for scraping, and a target in kube-system would be down for good.
 */
export function prometheusConfig(rulesFile: string, namespaces: readonly string[]) {
  return {
    global: { scrape_interval: '30s', scrape_timeout: '10s', evaluation_interval: '30s' },
    rule_files: [rulesFile],
    scrape_configs: [
      {
        job_name: 'kubernetes-pods',
        kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [...namespaces] } }],
        relabel_configs: [
          { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], action: 'keep', regex: 'true' },
          { source_labels: ['__meta_kubernetes_pod_phase'], action: 'drop', regex: 'Pending|Succeeded|Failed' },
          {
            source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'],
            action: 'replace',
            regex: '(.+)',
            target_label: '__metrics_path__',
          },
          {
            source_labels: ['__meta_kubernetes_pod_ip', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
            action: 'replace',
            regex: '(.+);(\\d+)',
            replacement: '$1:$2',
            target_label: '__address__',
          },
          { action: 'labelmap', regex: '__meta_kubernetes_pod_label_app_kubernetes_io_(name|component|part_of)' },
          { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
          { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
          { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node' },
        ],
      },
      kubeletJob('kubelet', '/metrics'),
      kubeletJob('cadvisor', '/metrics/cadvisor'),
    ],
  };
}

/** The alert rules: API error ratio, consumer lag, restart storms, dead letters. */
export function alertRules(config: StratusConfig) {
  const { alerts } = config.monitoring;
  // The API's requests, not the kubelet's probes or Prometheus's scrapes: a starting pod's /readyz answers 503 by design.
  const api = `namespace="${config.todo.namespace}",route!~"/healthz|/readyz|/metrics"`;
  return {
    groups: [
      {
        name: 'stratus',
        rules: [
          {
            alert: 'TodoApiErrorRatioHigh',
            expr: `sum(rate(http_request_duration_seconds_count{${api},status=~"5.."}[5m])) / sum(rate(http_request_duration_seconds_count{${api}}[5m])) > ${alerts.apiErrorRatio}`,
            for: '10m',
            labels: { severity: 'warning' },
            annotations: {
              summary: 'The todo API answers more than {{ $value | humanizePercentage }} of requests with 5xx',
              description: `More than ${alerts.apiErrorRatio * 100}% of todo API requests failed with a 5xx status over 10 minutes.`,
            },
          },
          {
            alert: 'ProcessorConsumerLagHigh',
            expr: `sum(processor_consumer_lag{namespace="${config.stream.namespace}"}) > ${alerts.consumerLag}`,
            for: '10m',
            labels: { severity: 'warning' },
            annotations: {
              summary: 'The processor is {{ $value }} events behind',
              description: `The consumer group ${config.stream.consumerGroup} has been more than ${alerts.consumerLag} events behind for 10 minutes.`,
            },
          },
          {
            alert: 'PodRestartStorm',
            expr: `increase(kube_pod_container_status_restarts_total[1h]) > ${alerts.restartsPerHour}`,
            for: '5m',
            labels: { severity: 'critical' },
            annotations: {
              summary: '{{ $labels.namespace }}/{{ $labels.pod }} restarted {{ $value }} times in an hour',
              description: `Container {{ $labels.container }} restarted more than ${alerts.restartsPerHour} times within an hour.`,
            },
          },
          {
            alert: 'ProcessorDeadLetters',
            expr: `sum(rate(processor_dead_letters_total{namespace="${config.stream.namespace}"}[10m])) > 0`,
            for: '10m',
            labels: { severity: 'info' },
            annotations: {
              summary: 'The processor sends events to the dead-letter topic',
              description: `Events keep arriving on ${config.stream.topics.deadLetter.name}; inspect the producer's output.`,
            },
          },
        ],
      },
    ],
  };
}
