import { relative } from 'node:path';
import { loadConfig } from '@stratus/config';
import { renderStream, synthKubernetes } from './synth.ts';

/**
 * `tsx packages/k8s/src/main.ts` writes dist/k8s (or `$CDK8S_OUTDIR`, set by `cdk8s synth`);
 * `--stdout` prints one multi-document stream instead, for `| kubectl apply -f -`. Progress goes to stderr, because
 * `cdk8s synth --stdout` runs this with `CDK8S_OUTDIR` set to a temporary directory and then prints `*.yaml` from it.
 */
const config = loadConfig();
if (process.argv.includes('--stdout')) {
  process.stdout.write(renderStream(config));
} else {
  const outdir = process.env.CDK8S_OUTDIR ?? 'dist/k8s';
  for (const file of synthKubernetes(config, outdir)) console.error(`wrote ${relative(process.cwd(), file)}`);
}
