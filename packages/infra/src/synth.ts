import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StratusConfig } from '@stratus/config';
import { App } from 'cdktf';
import { ClusterStack } from './cluster-stack.ts';
import type { Manifest } from './k3s-cloud-init.ts';
import { readManifests } from './manifests.ts';
import { WebStack } from './web-stack.ts';

export interface SynthOptions {
  /**
   * Where the synthesized Kubernetes manifests are, for `cluster.autoDeployManifests`.
   * @default the `k8s` directory beside `outdir` (dist/k8s)
   */
  readonly k8sDir?: string;
  /**
   * Receives notes about what was left out.
   * @default console.warn
   */
  readonly warn?: (message: string) => void;
}

function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    });
}

function autoDeployManifests(k8sDir: string, warn: (message: string) => void): Manifest[] {
  const manifests = readManifests(k8sDir);
  if (manifests.length === 0) {
    warn(
      `cluster.autoDeployManifests is on, but ${k8sDir} holds no manifests: synthesize them first; the cluster comes up without them`,
    );
  }
  return manifests;
}

/** Synthesizes the `web` and `cluster` stacks into `outdir/stacks/<name>/cdk.tf.json`; returns the files written. */
export function synthTerraform(config: StratusConfig, outdir: string, options: SynthOptions = {}): string[] {
  const warn = options.warn ?? ((message: string) => console.warn(message));
  const manifests = config.cluster.autoDeployManifests
    ? autoDeployManifests(options.k8sDir ?? join(dirname(outdir), 'k8s'), warn)
    : undefined;
  // cdktf's own validation runs `terraform version` (for terraform_data), and synthesis must work without Terraform.
  const app = new App({ outdir, stackTraces: false, skipValidation: true });
  new WebStack(app, 'web', { config });
  new ClusterStack(app, 'cluster', { config, manifests });
  app.synth();
  return files(outdir).filter((file) => !file.includes(`${join(outdir, 'stacks')}/`) || file.endsWith('cdk.tf.json'));
}
