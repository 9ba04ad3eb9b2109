import { relative } from 'node:path';
import { loadConfig } from '@stratus/config';
import { renderStream, synthKubernetes } from './synth.ts';

/**
 * `tsx packages/k8s/src/main.ts` writes dist/k8s (or `$CDK8S_OUTDIR`, set by `cdk8s synth`);
 * `--stdout` prints one multi-document stream instead, for `| kubectl apply -f -`.
 */
const config = loadConfig();
if (process.argv.includes('--stdout')) {
  process.stdout.write(renderStream(config));
} else {
  const outdir = process.env.CDK8S_OUTDIR ?? 'dist/k8s';
  for (const file of synthKubernetes(config, outdir)) console.log(`wrote ${relative(process.cwd(), file)}`);
}
