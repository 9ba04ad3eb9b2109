import { readFileSync, writeFileSync } from 'node:fs';
import { defaults, type UpstreamImage, upstreamTag } from '@stratus/config';
import { pinDigests, rewriteUpstreamDigests } from '../packages/config/src/pin-digests.ts';

/** `pnpm images:pin`: records the current digest of every upstream image tag of `versions` in the schema's defaults. */
const schemaFile = new URL('../packages/config/src/schema.ts', import.meta.url);
const refs = (Object.keys(defaults.images.upstream) as UpstreamImage[]).map((image) => upstreamTag(defaults, image));
const { digests, failed } = await pinDigests(refs, defaults.images.upstreamDigests);
writeFileSync(schemaFile, rewriteUpstreamDigests(readFileSync(schemaFile, 'utf8'), digests));
for (const ref of refs) console.log(`${digests[ref] ? 'pinned  ' : 'UNPINNED'} ${ref}${digests[ref] ? `@${digests[ref]}` : ''}`);
for (const { ref, error } of failed) console.error(`could not resolve ${ref}: ${error}`);
process.exitCode = failed.length > 0 ? 1 : 0;
