import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StratusConfig } from '@stratus/config';
import { App, type Chart, Yaml } from 'cdk8s';
import { KafkaChart } from './kafka-chart.ts';
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

/** Every chart in apply order, each with the file it is written to; restricted pod security applied to all. */
export function buildCharts(config: StratusConfig): { app: App; charts: ReadonlyArray<{ file: string; chart: Chart }> } {
  const app = new App({ outdir: 'unused' });
  const namespaces = [config.todo.namespace, config.stream.namespace, config.monitoring.namespace];
  const charts = [
    {
      file: '00-namespaces.yaml',
      chart: new NamespacesChart(app, 'namespaces', { namespaces, kubernetesVersion: config.versions.kubernetes }),
    },
    { file: '10-todo.yaml', chart: new TodoChart(app, 'todo', { config }) },
    { file: '20-kafka.yaml', chart: new KafkaChart(app, 'kafka', { config }) },
    { file: '30-stream.yaml', chart: new StreamChart(app, 'stream', { config }) },
    { file: '40-monitoring.yaml', chart: new MonitoringChart(app, 'monitoring', { config }) },
  ];
  applyRestrictedPodSecurity(app);
  return { app, charts };
}

/**
 * The manifests, in apply order, without touching the disk. Each file opens with a document marker, so that
 * concatenating them (`cat dist/k8s/*.yaml`, which is what `cdk8s synth --stdout` does) is still a valid stream.
 */
export function renderManifests(config: StratusConfig): Manifest[] {
  return buildCharts(config).charts.map(({ file, chart }) => ({ file, yaml: `---\n${Yaml.stringify(...chart.toJson())}` }));
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
