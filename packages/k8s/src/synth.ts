import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StratusConfig } from '@stratus/config';
import { App, type Chart, Yaml } from 'cdk8s';
import { explainUnpinnedImages } from './checkov.ts';
import { KafkaChart } from './kafka-chart.ts';
import { LakeChart } from './lake-chart.ts';
import { MonitoringChart } from './monitoring-chart.ts';
import { NamespacesChart } from './namespaces-chart.ts';
import { applyRestrictedPodSecurity } from './pod-security.ts';
import { StreamChart } from './stream-chart.ts';
import { TodoChart } from './todo-chart.ts';

/** One synthesized file: its name in `dist/k8s` and its multi-document YAML. */
export interface Manifest {
  readonly file: string;
  readonly yaml: string;
}

/** Files this synthesizer owns in its output directory: `NN-name.yaml`. */
const OWNED = /^\d{2}-[a-z0-9-]+\.yaml$/;

/** The charts of one synthesis, by name, and in apply order with the file each is written to. */
export interface StratusCharts {
  readonly app: App;
  readonly todo: TodoChart;
  readonly kafka: KafkaChart;
  readonly stream: StreamChart;
  readonly monitoring: MonitoringChart;
  readonly lake: LakeChart;
  readonly files: ReadonlyArray<{ readonly file: string; readonly chart: Chart }>;
}

/** Every chart, with restricted pod security applied to all of them and unpinned images explained on their workloads. */
export function buildCharts(config: StratusConfig): StratusCharts {
  const app = new App({ outdir: 'unused' });
  const namespaces = new NamespacesChart(app, 'namespaces', {
    namespaces: [config.todo.namespace, config.stream.namespace, config.monitoring.namespace, config.lake.namespace],
    kubernetesVersion: config.versions.kubernetes,
  });
  const todo = new TodoChart(app, 'todo', { config });
  const kafka = new KafkaChart(app, 'kafka', { config });
  const stream = new StreamChart(app, 'stream', { config });
  const monitoring = new MonitoringChart(app, 'monitoring', { config });
  const lake = new LakeChart(app, 'lake', { config });
  applyRestrictedPodSecurity(app);
  explainUnpinnedImages(app, config);
  const files = [
    { file: '00-namespaces.yaml', chart: namespaces },
    { file: '10-todo.yaml', chart: todo },
    { file: '20-kafka.yaml', chart: kafka },
    { file: '30-stream.yaml', chart: stream },
    { file: '40-monitoring.yaml', chart: monitoring },
    { file: '50-lake.yaml', chart: lake },
  ];
  return { app, todo, kafka, stream, monitoring, lake, files };
}

/**
 * The manifests, in apply order, without touching the disk. Each file opens with a document marker, so that
 * concatenating them (`cat dist/k8s/*.yaml`, which is what `cdk8s synth --stdout` does) is still a valid stream.
 */
export function renderManifests(config: StratusConfig): Manifest[] {
  return buildCharts(config).files.map(({ file, chart }) => ({ file, yaml: `---\n${Yaml.stringify(...chart.toJson())}` }));
}

/** One stream of every object, namespaces first, for `kubectl apply -f -`: the files, concatenated. */
export function renderStream(config: StratusConfig): string {
  return renderManifests(config)
    .map((m) => m.yaml)
    .join('');
}

/** Writes one YAML file per chart into `outdir`, removes files of charts that no longer exist, returns the files written. */
export function synthKubernetes(config: StratusConfig, outdir: string): string[] {
  const manifests = renderManifests(config);
  mkdirSync(outdir, { recursive: true });
  const keep = new Set(manifests.map((m) => m.file));
  for (const name of readdirSync(outdir)) {
    if (OWNED.test(name) && !keep.has(name)) rmSync(join(outdir, name));
  }
  return manifests.map(({ file, yaml }) => {
    const path = join(outdir, file);
    writeFileSync(path, yaml);
    return path;
  });
}
