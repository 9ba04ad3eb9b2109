import { existsSync, readFileSync } from 'node:fs';
import { type StratusConfig, type StratusConfigInput, stratusConfigSchema } from './schema.ts';

export type { StratusConfig, StratusConfigInput } from './schema.ts';

/** The prefix of environment variables that override config fields, `__` separating nesting levels. */
export const ENV_PREFIX = 'STRATUS_';
/** The environment variable that names a JSON config file. */
export const CONFIG_FILE_ENV = 'STRATUS_CONFIG';
const FILE_DEFAULT = 'stratus.config.json';

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

/** `STRATUS_CLUSTER__AGENTS=3` becomes `{cluster: {agents: 3}}`; `STRATUS_CONFIG` names the file and is skipped. */
export function envOverrides(env: NodeJS.ProcessEnv): { tree: Tree; sources: Map<string, string> } {
  let tree: Tree = {};
  const sources = new Map<string, string>();
  for (const name of Object.keys(env).sort()) {
    const raw = env[name];
    if (!name.startsWith(ENV_PREFIX) || name === CONFIG_FILE_ENV || raw === undefined) continue;
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

/** Validates a raw config tree; every problem names the field, the value given, what is allowed and where it came from. */
export function parseConfig(
  input: unknown,
  originOf: (path: readonly PropertyKey[]) => string | undefined = () => undefined,
): StratusConfig {
  const result = stratusConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const field = issue.path.map(String).join('.') || '(root)';
      const given = valueAt(input, issue.path);
      const origin = originOf(issue.path);
      const value = given === undefined ? '' : ` = ${JSON.stringify(given)}`;
      return `${field}${value}: ${issue.message}${origin ? ` (set by ${origin})` : ''}`;
    }),
  );
}

/** Defaults, then the config file, then `STRATUS_*` environment variables, then `overrides`. */
export function loadConfig(options: LoadOptions = {}): StratusConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env[CONFIG_FILE_ENV] ?? (existsSync(FILE_DEFAULT) ? FILE_DEFAULT : undefined);
  const fromFile = file ? readFile(file) : {};
  const fromEnv = envOverrides(env);
  const originOf = (path: readonly PropertyKey[]) =>
    fromEnv.sources.get(path.map(String).join('.')) ?? (file && valueAt(fromFile, path) !== undefined ? file : undefined);
  return parseConfig(merge(merge(fromFile, fromEnv.tree), (options.overrides ?? {}) as Tree), originOf);
}

/** The defaults alone, for apps that read names and ports at run time. */
export const defaults: StratusConfig = stratusConfigSchema.parse({});

export type AppName = 'backend' | 'frontend' | 'producer' | 'processor';
export const APPS: readonly AppName[] = ['backend', 'frontend', 'producer', 'processor'];

/** `ghcr.io/<owner>/<app>:<version>`: the one place an image reference is formed. */
export function imageRef(config: StratusConfig, app: AppName): string {
  return `${config.images.registry}/${config.images.owner}/${app}:${config.version}`;
}

/** How `apps/Dockerfile` builds an app's image: its runtime stage and the build arguments config decides. */
export interface ImageBuild {
  readonly app: AppName;
  readonly image: string;
  readonly target: 'node-app' | 'frontend';
  readonly buildArgs: Readonly<Record<string, string>>;
}

/** The port each app answers its health check on: the API port, the frontend's port or a worker's metrics port. */
export function appPort(config: StratusConfig, app: AppName): number {
  switch (app) {
    case 'backend':
      return config.todo.backend.port;
    case 'frontend':
      return config.todo.frontend.port;
    case 'producer':
      return config.stream.producer.metricsPort;
    case 'processor':
      return config.stream.processor.metricsPort;
  }
}

/** The target and build arguments of one app image; `pnpmVersion` is the workspace's `packageManager` version. */
export function imageBuild(config: StratusConfig, app: AppName, pnpmVersion: string): ImageBuild {
  return {
    app,
    image: imageRef(config, app),
    target: app === 'frontend' ? 'frontend' : 'node-app',
    buildArgs: {
      APP: app,
      PORT: String(appPort(config, app)),
      NODE_VERSION: config.versions.node,
      NGINX_VERSION: config.versions.nginx,
      PNPM_VERSION: pnpmVersion,
    },
  };
}
