import { loadConfig } from '@stratus/config';
import { synthTerraform } from './synth.ts';

/** The cdktf app (`cdktf.json`): cdktf sets CDKTF_OUTDIR; run directly, it writes dist/terraform. */
const outdir = process.env.CDKTF_OUTDIR ?? 'dist/terraform';
for (const file of synthTerraform(loadConfig(), outdir)) console.log(`wrote ${file}`);
