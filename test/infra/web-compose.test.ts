import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { imageRef, parseConfig } from '@stratus/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeFile, POSTGRES_DIR } from '../../packages/infra/src/web-cloud-init.ts';

/**
 * The web server's compose project, for real: the compose file the web server gets, run by nerdctl compose on the
 * containerd of the cluster rig with the app images of the images rig, on a data directory prepared by the web boot
 * script's own helpers. An upgrade is what a replacement does on the server: the old project stops (`compose down`,
 * as stratus-app.service does on shutdown), a fresh project directory with the next `app_version` starts on the same
 * data directory; a rollback is the same with the old version.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = join(root, '.rig', 'openstack', 'web-compose');
const bootDir = join(root, 'packages/infra/src/boot');
const run = promisify(execFile);
/** The stand-in images of the images rig cannot have upstream's digests: reference them by tag. */
const config = parseConfig({ images: { pinDigests: false } });
const OLD = config.version;
const NEXT = '0.1.1';

const NAMESPACE = 'stratus-web';
let env: Record<string, string>;
/** nerdctl's own state (networks, hosts files): a new server starts without any, like a new VM's Docker. */
let dataRoot = join(work, 'nerdctl', 'setup');
let nerdctl: string;

/** A rig service's `start` (idempotent), without blocking the event loop: its `KEY=value` lines. */
async function rig(service: string): Promise<Record<string, string>> {
  const { stdout } = await run('bash', [join(root, 'scripts/rig', `${service}.sh`), 'start'], { encoding: 'utf8', cwd: root });
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

async function inCluster(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [join(root, 'scripts/rig/cluster.sh'), 'exec', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

function nerdctlArgs(...args: string[]): string[] {
  return [
    nerdctl,
    '--address',
    env.CONTAINERD_ADDRESS ?? '',
    '--namespace',
    NAMESPACE,
    '--data-root',
    dataRoot,
    '--cni-path',
    '/usr/lib/cni',
    '--cni-netconfpath',
    join(work, 'cni'),
    ...args,
  ];
}

const compose = (project: string, ...args: string[]) =>
  inCluster(...nerdctlArgs('compose', '--project-directory', project, '-f', join(project, 'compose.yaml'), ...args));

/** The old server going away: `compose down` (what stratus-app.service runs on shutdown), until no container is left. */
async function down(project: string): Promise<void> {
  await compose(project, 'down');
  const deadline = Date.now() + 60_000;
  for (;;) {
    const left = (await inCluster(...nerdctlArgs('ps', '--all', '--quiet'))).trim();
    if (left === '') return;
    if (Date.now() > deadline) throw new Error(`containers left after compose down: ${left}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** A "server": its own project directory with the compose file and `.env`, as web.sh writes them, on the shared data. */
async function server(name: string, version: string, data: string): Promise<string> {
  const project = join(work, name);
  mkdirSync(project, { recursive: true });
  dataRoot = join(work, 'nerdctl', name);
  writeFileSync(join(project, 'compose.yaml'), composeFile(config).replaceAll(POSTGRES_DIR, join(data, 'postgres')));
  const helpers = `source ./common.sh && password=$(keep_secret ${data}/secrets/db_password) && private_dir ${data}/postgres ${config.images.uids.postgres} && printf 'APP_VERSION=%s\\nPOSTGRES_PASSWORD=%s\\n' ${version} "$password"`;
  const { stdout } = await run('bash', ['-c', helpers], { cwd: bootDir, encoding: 'utf8' });
  writeFileSync(join(project, '.env'), stdout, { mode: 0o600 });
  await compose(project, 'up', '--detach');
  return project;
}

async function backendUrl(): Promise<string> {
  const id = (await inCluster(...nerdctlArgs('ps', '--quiet', '--filter', 'label=com.docker.compose.service=backend'))).trim();
  const ip = (
    await inCluster(...nerdctlArgs('inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id))
  ).trim();
  return `http://${ip}:${config.todo.backend.port}`;
}

async function curl(...args: string[]): Promise<string> {
  return inCluster('curl', '--silent', '--show-error', '--fail', '--max-time', '5', ...args);
}

async function waitForTodos(url: string): Promise<string> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    try {
      return await curl(`${url}/api/todos`);
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

const titles = (json: string) => (JSON.parse(json) as { title: string }[]).map((t) => t.title).sort();
const running = async (service: string) =>
  (
    await inCluster(...nerdctlArgs('ps', '--format', '{{.Image}}', '--filter', `label=com.docker.compose.service=${service}`))
  ).trim();

describe('the web server compose project on containerd (nerdctl compose), across upgrade and rollback', () => {
  const data = join(work, 'data');
  const projects: string[] = [];

  beforeAll(async () => {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(join(work, 'cni'), { recursive: true });
    env = await rig('cluster');
    nerdctl = (await rig('nerdctl')).NERDCTL ?? '';
    // A containerd namespace of its own: the kubelet's image garbage collector deletes unused images in k8s.io.
    const loaded = new Set((await inCluster(...nerdctlArgs('images', '--format', '{{.Repository}}:{{.Tag}}'))).split('\n'));
    const needed = [
      `docker.io/library/postgres:${config.versions.postgres}`,
      imageRef(config, 'backend'),
      imageRef(config, 'frontend'),
    ];
    if (needed.some((ref) => !loaded.has(ref.replace(/^docker\.io\/library\//, '')) && !loaded.has(ref))) {
      const list = join(root, '.rig', 'images.list');
      if (!existsSync(list)) await rig('images');
      const tars = new Map(
        readFileSync(list, 'utf8')
          .trim()
          .split('\n')
          .map((line) => line.split(' ') as [string, string]),
      );
      for (const ref of needed) await inCluster(...nerdctlArgs('load', '--input', tars.get(ref) ?? `(no archive of ${ref})`));
    }
    const leftovers = (await inCluster(...nerdctlArgs('ps', '--all', '--quiet'))).trim();
    if (leftovers !== '') await inCluster(...nerdctlArgs('rm', '--force', ...leftovers.split('\n')));
    for (const app of ['backend', 'frontend'] as const) {
      const ref = imageRef(config, app);
      await inCluster(...nerdctlArgs('tag', ref, `${ref.slice(0, ref.lastIndexOf(':'))}:${NEXT}`));
    }
  }, 1_800_000);

  afterAll(async () => {
    for (const project of projects) await down(project).catch(() => undefined);
  });

  it('serves todos, then serves the same todos from a fresh project with the next version, then after a rollback', async () => {
    const first = await server('server-1', OLD, data);
    projects.push(first);
    expect(await running('backend')).toBe(imageRef(config, 'backend'));
    let url = await backendUrl();
    expect(titles(await waitForTodos(url))).toEqual([]);
    for (const title of ['buy milk', 'write the report', 'call the plumber']) {
      await curl('-X', 'POST', '-H', 'content-type: application/json', '--data', JSON.stringify({ title }), `${url}/api/todos`);
    }
    const before = titles(await curl(`${url}/api/todos`));
    expect(before).toEqual(['buy milk', 'call the plumber', 'write the report']);
    expect(await curl(`http://${env.CLUSTER_NODE_IP}:80/`)).toContain('<title>Stratus • TodoMVC</title>');
    expect(statSync(join(data, 'postgres', 'PG_VERSION'))).toMatchObject({ uid: config.images.uids.postgres });
    const password = readFileSync(join(data, 'secrets', 'db_password'), 'utf8');
    await down(first);

    const upgraded = await server('server-2', NEXT, data);
    projects.push(upgraded);
    expect(await running('backend')).toBe(`ghcr.io/${config.images.owner}/backend:${NEXT}`);
    url = await backendUrl();
    expect(titles(await waitForTodos(url))).toEqual(before);
    expect(readFileSync(join(data, 'secrets', 'db_password'), 'utf8')).toBe(password);
    await down(upgraded);

    const rolledBack = await server('server-3', OLD, data);
    projects.push(rolledBack);
    expect(await running('backend')).toBe(imageRef(config, 'backend'));
    expect(titles(await waitForTodos(await backendUrl()))).toEqual(before);
  }, 900_000);

  it('runs the compose file the web server gets: PostgreSQL with PGDATA on the data directory', () => {
    const { services } = parse(composeFile(config)) as { services: Record<string, { volumes?: string[] }> };
    expect(services.database?.volumes).toEqual([`${POSTGRES_DIR}:/var/lib/postgresql/data`]);
  });
});
