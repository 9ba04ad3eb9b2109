import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { APPS, type ImageBuild, imageBuild, imageRef, loadConfig, type StratusConfig } from '@stratus/config';
import { buildCharts } from '../packages/k8s/src/synth.ts';

/** The one Dockerfile every app image is built from, relative to the repo root (the build context). */
export const DOCKERFILE = 'apps/Dockerfile';

const pnpmVersion = (): string => {
  const manager = (JSON.parse(readFileSync('package.json', 'utf8')) as { packageManager: string }).packageManager;
  return manager.slice(manager.indexOf('@') + 1);
};

/** The full name a registry-less store keeps an image under: `postgres:15` is `docker.io/library/postgres:15`. */
export function qualifiedRef(ref: string): string {
  const first = ref.split('/')[0] ?? '';
  if (!ref.includes('/')) return `docker.io/library/${ref}`;
  return first.includes('.') || first.includes(':') || first === 'localhost' ? ref : `docker.io/${ref}`;
}

/** Every app's build: image ref, runtime stage and build arguments, all from config. */
export function appBuilds(config: StratusConfig): ImageBuild[] {
  const pnpm = pnpmVersion();
  return APPS.map((app) => imageBuild(config, app, pnpm));
}

/**
 * The images the FROM lines of a Dockerfile name (not its own stages), expanded with the arguments of the builds that
 * use it; `path` is the Dockerfile's path, `apps/Dockerfile` unless given.
 */
export function dockerfileBaseImages(dockerfile: string, builds: readonly ImageBuild[], path = DOCKERFILE): string[] {
  const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$/i;
  const lines = dockerfile
    .split('\n')
    .map((line) => from.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null);
  const stages = new Set(lines.map((m) => m[2]).filter((stage) => stage !== undefined));
  const refs = new Set<string>();
  for (const build of builds.filter((b) => b.dockerfile === path)) {
    for (const [, image = ''] of lines) {
      if (stages.has(image)) continue;
      refs.add(
        image.replace(/\$\{(\w+)\}/g, (_, name: string) => {
          const value = build.buildArgs[name];
          if (value === undefined) throw new Error(`${path}: FROM uses \${${name}}, which imageBuild() does not set`);
          return value;
        }),
      );
    }
  }
  return [...refs].sort();
}

/** The instructions of one stage of a Dockerfile, from its FROM to the next, with `${ARG}`s of `args` expanded. */
export function dockerfileStage(dockerfile: string, stage: string, args: Readonly<Record<string, string>>): string {
  const lines = dockerfile.split('\n');
  const start = lines.findIndex((line) => new RegExp(`^FROM\\s.*\\sAS\\s+${stage}\\s*$`, 'i').test(line));
  if (start < 0) throw new Error(`${DOCKERFILE} has no stage '${stage}'`);
  const end = lines.findIndex((line, i) => i > start && /^FROM\s/i.test(line));
  return lines
    .slice(start, end < 0 ? undefined : end)
    .join('\n')
    .replace(/\$\{(\w+)\}/g, (ref, name: string) => args[name] ?? ref);
}

/** Container images the Kubernetes manifests run, with the uid each runs as, that are not app images. */
export function manifestBaseImages(config: StratusConfig): Map<string, number | undefined> {
  const apps = new Set(APPS.map((app) => imageRef(config, app)));
  const images = new Map<string, number | undefined>();
  const visit = (node: unknown, podUser: number | undefined): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, podUser);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    const security = record.securityContext as { runAsUser?: number } | undefined;
    const user = security?.runAsUser ?? podUser;
    if (typeof record.image === 'string' && !apps.has(record.image)) images.set(record.image, user);
    for (const value of Object.values(record)) visit(value, user);
  };
  for (const { chart } of buildCharts(config).files) visit(chart.toJson(), undefined);
  return images;
}

function main(argv: readonly string[]): void {
  const config = loadConfig();
  const [command, app] = argv;
  if (command === 'build') {
    const build = appBuilds(config).find((b) => b.app === app);
    if (!build) throw new Error(`usage: images.ts build APP, where APP is one of ${APPS.join(', ')} (got '${app ?? ''}')`);
    const args = Object.entries(build.buildArgs).map(([k, v]) => `${k}=${v}`);
    console.log(
      `image=${build.image}\ndockerfile=${build.dockerfile}\ntarget=${build.target}\nbuild-args<<ARGS\n${args.join('\n')}\nARGS`,
    );
  } else if (command === 'list') {
    const all = appBuilds(config);
    for (const b of all.filter((b) => b.dockerfile === DOCKERFILE)) {
      const args = Object.entries(b.buildArgs).map(([k, v]) => `${k}=${v}`);
      console.log(['app', b.image, qualifiedRef(b.image), b.target, ...args].join(' '));
    }
    const own = all.filter((b) => b.dockerfile !== DOCKERFILE);
    for (const b of own) {
      const args = Object.entries(b.buildArgs).map(([k, v]) => `${k}=${v}`);
      console.log(['own', b.image, qualifiedRef(b.image), b.dockerfile, ...args].join(' '));
    }
    const runs = manifestBaseImages(config);
    const bases = new Set(dockerfileBaseImages(readFileSync(DOCKERFILE, 'utf8'), all));
    for (const path of new Set(own.map((b) => b.dockerfile))) {
      for (const ref of dockerfileBaseImages(readFileSync(path, 'utf8'), all, path)) bases.add(ref);
    }
    for (const ref of [...bases].sort()) {
      if (!runs.has(ref)) console.log(`base ${ref} ${qualifiedRef(ref)}`);
    }
    for (const ref of [...runs.keys()].sort()) console.log(`runs ${ref} ${qualifiedRef(ref)}`);
  } else {
    throw new Error(
      'usage: images.ts build APP   (GitHub step outputs: image, dockerfile, target, build-args)\n' +
        '       images.ts list        (one line per image: "app REF QUALIFIED TARGET ARG=VALUE...", "own REF QUALIFIED\n' +
        '                             DOCKERFILE ARG=VALUE..." for an app with a Dockerfile of its own, "base REF QUALIFIED"\n' +
        '                             for a base image of the Dockerfiles, "runs REF QUALIFIED" for any other image the\n' +
        '                             manifests run; QUALIFIED is the full name, docker.io/library/postgres:15.18)',
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
