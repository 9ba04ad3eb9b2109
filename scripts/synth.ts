import { relative } from 'node:path';
import { loadConfig } from '@stratus/config';
import { synthTerraform } from '../packages/infra/src/synth.ts';
import { synthKubernetes } from '../packages/k8s/src/synth.ts';

const config = loadConfig();
const written = [...synthKubernetes(config, 'dist/k8s'), ...synthTerraform(config, 'dist/terraform')];
for (const file of written) console.log(`wrote ${relative(process.cwd(), file)}`);
console.log(`synthesized release ${config.version} into dist/ (${written.length} files)`);
