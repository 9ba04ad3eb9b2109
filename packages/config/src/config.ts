import { existsSync, readFileSync } from 'node:fs';
import { type StratusConfig, type StratusConfigInput, stratusConfigSchema } from './schema.ts';
import { editDistance, type UnknownKey, unknownKeys } from './unknown-keys.ts';

export type { StratusConfig, StratusConfigInput } from './schema.ts';

/** The prefix of environment variables that override config fields, `__` separating nesting levels. */
export const ENV_PREFIX = 'STRATUS_';
/** The environment variable that names a JSON config file. */
export const CONFIG_FILE_ENV = 'STRATUS_CONFIG';
const FILE_DEFAULT = 'stratus.config.json';

/**
 * The `STRATUS_*` variables that are not config fields, and who reads them. Every other `STRATUS_*` variable must name
 * a config field: an unknown one fails the load like an unknown key in the file. Add a variable here before a script
 * or an app reads it.
 */
export const NON_CONFIG_VARIABLES: Readonly<Record<string, string>> = {
  [CONFIG_FILE_ENV]: 'the JSON config file (this loader)',
  STRATUS_CACHE: "the rig's download and build cache (scripts/rig/lib.sh)",
  STRATUS_RIG_STATE: "the rig's state directory (scripts/rig/lib.sh)",
  STRATUS_METADATA_FILE: 'the OpenStack metadata file the boot scripts read (packages/infra/src/boot/common.sh)',
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid Stratus config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface LoadOptions {
  /** Overrides applied last, after the file and the environment. */
  readonly overrides?: StratusConfigInput;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default `$STRATUS_CONFIG`, else `stratus.config.json` in the working directory when it exists */
  readonly file?: string;
}

type Tree = { [key: string]: unknown };

const camel = (s: string) => s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The variable that sets a config field: `['cluster', 'agents']` is `STRATUS_CLUSTER__AGENTS`. */
export function envName(path: readonly string[]): string {
  return `${ENV_PREFIX}${path.map((key) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__')}`;
}

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = isTree(prev) && isTree(v) ? merge(prev, v) : v;
  }
  return out;
}

function parseEnvValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** `STRATUS_CLUSTER__AGENTS=3` becomes `{cluster: {agents: 3}}`; the NON_CONFIG_VARIABLES are skipped. */
export function envOverrides(env: NodeJS.ProcessEnv): { tree: Tree; sources: Map<string, string> } {
  let tree: Tree = {};
  const sources = new Map<string, string>();
  for (const name of Object.keys(env).sort()) {
    const raw = env[name];
    if (!name.startsWith(ENV_PREFIX) || Object.hasOwn(NON_CONFIG_VARIABLES, name) || raw === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).split('__').map(camel);
    const leaf: Tree = {};
    let node = leaf;
    path.forEach((key, i) => {
      if (i === path.length - 1) node[key] = parseEnvValue(raw);
      else node = node[key] = {} as Tree;
    });
    tree = merge(tree, leaf);
    sources.set(path.join('.'), name);
  }
  return { tree, sources };
}

function readFile(file: string): Tree {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError([`${file}: cannot read it as JSON (${(e as Error).message})`]);
  }
  if (!isTree(parsed)) throw new ConfigError([`${file}: must hold a JSON object`]);
  return parsed;
}

function valueAt(tree: unknown, path: readonly PropertyKey[]): unknown {
  let node = tree;
  for (const key of path) {
    if (!isTree(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function unknownKeyProblem(key: UnknownKey, origin: string | undefined): string {
  const fromEnv = origin?.startsWith(ENV_PREFIX) === true;
  const hint = key.suggestion
    ? `; did you mean ${key.suggestion.join('.')}${fromEnv ? ` (${envName(key.suggestion)})` : ''}?`
    : '; remove it or see packages/config/src/schema.ts for the fields there are';
  return `${key.path.join('.')}: unknown key${origin ? ` (set by ${origin})` : ''}${hint}`;
}

/**
 * Validates a raw config tree; every problem names the field, the value given, what is allowed and where it came
 * from. A key the schema does not define, at any depth, is a problem too, with the closest defined name.
 */
export function parseConfig(
  input: unknown,
  originOf: (path: readonly PropertyKey[]) => string | undefined = () => undefined,
): StratusConfig {
  const problems = unknownKeys(stratusConfigSchema, input).map((key) => unknownKeyProblem(key, originOf(key.path)));
  const result = stratusConfigSchema.safeParse(input);
  for (const app of Object.keys(result.data?.images.digests ?? {}).filter((key) => !(APPS as readonly string[]).includes(key))) {
    const closest = [...APPS].sort((a, b) => editDistance(a, app) - editDistance(b, app))[0];
    const origin = originOf(['images', 'digests', app]);
    problems.push(
      `images.digests.${app}: not an app${origin ? ` (set by ${origin})` : ''}; the apps are ${APPS.join(', ')} (did you mean ${closest}?)`,
    );
  }
  if (result.success && problems.length === 0) return result.data;
  for (const issue of result.error?.issues ?? []) {
    const field = issue.path.map(String).join('.') || '(root)';
    const given = valueAt(input, issue.path);
    const origin = originOf(issue.path);
    const value = given === undefined ? '' : ` = ${JSON.stringify(given)}`;
    problems.push(`${field}${value}: ${issue.message}${origin ? ` (set by ${origin})` : ''}`);
  }
  throw new ConfigError(problems);
}

/** The variable that set `path` or the value it lies in (a JSON value such as STRATUS_STREAM__TOPICS='{...}'). */
function envSourceOf(sources: ReadonlyMap<string, string>, path: readonly PropertyKey[]): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const name = sources.get(path.slice(0, n).map(String).join('.'));
    if (name) return name;
  }
  return undefined;
}

/** Defaults, then the config file, then `STRATUS_*` environment variables, then `overrides`. */
export function loadConfig(options: LoadOptions = {}): StratusConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env[CONFIG_FILE_ENV] ?? (existsSync(FILE_DEFAULT) ? FILE_DEFAULT : undefined);
  const fromFile = file ? readFile(file) : {};
  const fromEnv = envOverrides(env);
  const overrides = (options.overrides ?? {}) as Tree;
  const originOf = (path: readonly PropertyKey[]) => {
    if (valueAt(overrides, path) !== undefined) return 'loadConfig overrides';
    if (valueAt(fromEnv.tree, path) !== undefined) return envSourceOf(fromEnv.sources, path);
    return file && valueAt(fromFile, path) !== undefined ? file : undefined;
  };
  return parseConfig(merge(merge(fromFile, fromEnv.tree), overrides), originOf);
}

/** The defaults alone, for apps that read names and ports at run time. */
export const defaults: StratusConfig = stratusConfigSchema.parse({});

export type AppName = 'backend' | 'frontend' | 'producer' | 'processor' | 'archiver' | 'lake-batch' | 'lake-spark';
export const APPS: readonly AppName[] = ['backend', 'frontend', 'producer', 'processor', 'archiver', 'lake-batch', 'lake-spark'];

/** `ghcr.io/<owner>/<app>:<version>`, with `@sha256:...` when the release's digest is known: the one place an app image reference is formed. */
export function imageRef(config: StratusConfig, app: AppName): string {
  const ref = `${config.images.registry}/${config.images.owner}/${app}:${config.version}`;
  const digest = config.images.pinDigests ? config.images.digests[app] : undefined;
  return digest ? `${ref}@${digest}` : ref;
}

/** An upstream image, by its key in `versions` and `images.upstream`. */
export type UpstreamImage = keyof StratusConfig['images']['upstream'];

/** `<repository>:<tag>` of an upstream image, the key of its digest in `images.upstreamDigests`. */
export function upstreamTag(config: StratusConfig, image: UpstreamImage): string {
  return `${config.images.upstream[image]}:${config.versions[image]}`;
}

/** `<repository>:<tag>@sha256:...` of an upstream image, or without the digest when none is recorded or pinning is off. */
export function upstreamRef(config: StratusConfig, image: UpstreamImage): string {
  const ref = upstreamTag(config, image);
  const digest = config.images.pinDigests ? config.images.upstreamDigests[ref] : undefined;
  return digest ? `${ref}@${digest}` : ref;
}

/** The apps built from the shared `apps/Dockerfile`; lake-spark has a Dockerfile of its own, on the Spark image. */
export type SharedDockerfileApp = Exclude<AppName, 'lake-spark'>;

/** The stage of `apps/Dockerfile` each of its apps is built to. */
const DOCKERFILE_TARGETS: Readonly<Record<SharedDockerfileApp, 'node-app' | 'node-app-duckdb' | 'frontend'>> = {
  backend: 'node-app',
  frontend: 'frontend',
  producer: 'node-app',
  processor: 'node-app',
  archiver: 'node-app-duckdb',
  'lake-batch': 'node-app-duckdb',
};

/** How an app's image is built: its Dockerfile (relative to the repo root, the build context), stage and build arguments. */
export interface ImageBuild {
  readonly app: AppName;
  readonly image: string;
  readonly dockerfile: string;
  /** The stage of `apps/Dockerfile`; empty for an app's own Dockerfile, whose last stage is the image. */
  readonly target: '' | 'node-app' | 'node-app-duckdb' | 'frontend';
  readonly buildArgs: Readonly<Record<string, string>>;
}

/**
 * The port each app of `apps/Dockerfile` answers its health check on (the API port, the frontend's port or a worker's
 * metrics port); undefined for the batch job, which serves nothing.
 */
export function appPort(config: StratusConfig, app: Exclude<SharedDockerfileApp, 'lake-batch'>): number;
export function appPort(config: StratusConfig, app: SharedDockerfileApp): number | undefined;
export function appPort(config: StratusConfig, app: SharedDockerfileApp): number | undefined {
  if (app === 'backend') return config.todo.backend.port;
  if (app === 'frontend') return config.todo.frontend.port;
  if (app === 'producer') return config.stream.producer.metricsPort;
  if (app === 'processor') return config.stream.processor.metricsPort;
  if (app === 'archiver') return config.lake.archiver.metricsPort;
  return undefined;
}

/** The Dockerfile, target and build arguments of one app image; `pnpmVersion` is the workspace's `packageManager` version. */
export function imageBuild(config: StratusConfig, app: AppName, pnpmVersion: string): ImageBuild {
  const image = imageRef(config, app);
  if (app === 'lake-spark') {
    return {
      app,
      image,
      dockerfile: `apps/${app}/Dockerfile`,
      target: '',
      buildArgs: { SPARK_IMAGE: config.lake.spark.baseImage, ICEBERG_VERSION: config.versions.iceberg },
    };
  }
  const port = appPort(config, app);
  return {
    app,
    image,
    dockerfile: 'apps/Dockerfile',
    target: DOCKERFILE_TARGETS[app],
    buildArgs: {
      APP: app,
      ...(port === undefined ? {} : { PORT: String(port) }),
      APP_UID: String(app === 'frontend' ? config.images.uids.nginx : config.images.uids.node),
      NODE_VERSION: config.versions.node,
      NGINX_VERSION: config.versions.nginx,
      PNPM_VERSION: pnpmVersion,
    },
  };
}
