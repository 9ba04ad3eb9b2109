import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { APPS, type AppName, imageRef, loadConfig, type StratusConfig } from '@stratus/config';

/**
 * The release's image digests, for release.yml:
 *   json DIR     prints the value of STRATUS_IMAGES__DIGESTS from DIR/<app>, each holding the build's `sha256:...`
 *   notes        prints the release notes' image list from the config (STRATUS_VERSION, STRATUS_IMAGES__DIGESTS...)
 *   verify DIR   fails unless every app image in the YAML and JSON files under DIR is pinned by digest
 */
export class ReleaseDigestsError extends Error {
  override readonly name = 'ReleaseDigestsError';
}

/** Every app's digest from the files the image jobs wrote; all apps are required. */
export function digestsFromDir(dir: string): Record<AppName, string> {
  const files = new Set(readdirSync(dir));
  const problems: string[] = [];
  const digests = {} as Record<AppName, string>;
  for (const app of APPS) {
    if (!files.has(app)) {
      problems.push(`${join(dir, app)}: missing; the image job of ${app} writes it`);
      continue;
    }
    const digest = readFileSync(join(dir, app), 'utf8').trim();
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) problems.push(`${join(dir, app)}: '${digest}' is not a sha256 digest`);
    digests[app] = digest;
  }
  for (const extra of [...files].filter((f) => !(APPS as readonly string[]).includes(f))) {
    problems.push(`${join(dir, extra)}: not an app (${APPS.join(', ')})`);
  }
  if (problems.length > 0) throw new ReleaseDigestsError(problems.join('\n'));
  return digests;
}

/** The release notes' list of images, each `name:tag@sha256:...`. */
export function releaseNotes(config: StratusConfig): string {
  return `${APPS.map((app) => `- \`${imageRef(config, app)}\``).join('\n')}\n`;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ya?ml|json)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** App image references under `dir` (of this config's registry and owner) that carry no digest. */
export function unpinnedAppImages(config: StratusConfig, dir: string): string[] {
  const prefix = `${config.images.registry}/${config.images.owner}/`.replace(/[.]/g, '\\.');
  const pattern = new RegExp(`${prefix}(?:${APPS.join('|')}):[^\\s"'\\\\]+`, 'g');
  const found = filesUnder(dir).flatMap((file) => [...readFileSync(file, 'utf8').matchAll(pattern)].map((m) => m[0]));
  return [...new Set(found.filter((ref) => !/@sha256:[0-9a-f]{64}$/.test(ref) && !ref.includes('${')))].sort();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [verb, dir] = process.argv.slice(2);
  if (verb === 'json' && dir) {
    console.log(JSON.stringify(digestsFromDir(dir)));
  } else if (verb === 'notes') {
    process.stdout.write(releaseNotes(loadConfig()));
  } else if (verb === 'verify' && dir) {
    const unpinned = unpinnedAppImages(loadConfig(), dir);
    if (unpinned.length > 0) {
      console.error(`not pinned by digest under ${dir}:\n${unpinned.map((r) => `  ${r}`).join('\n')}`);
      process.exit(1);
    }
  } else {
    console.error('usage: tsx scripts/release-digests.ts json DIR | notes | verify DIR');
    process.exit(2);
  }
}
