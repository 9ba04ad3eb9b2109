import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the nginx base image's own layers and the container runtime put in the environment before the app's `ENV`. */
const BASE_IMAGE_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOSTNAME: 'frontend',
  HOME: '/',
  NGINX_VERSION: '1.29.0',
  PKG_RELEASE: '1',
  DYNPKG_RELEASE: '1',
};

/** The user the image runs as does not exist here: `nobody` stands in for it when the test runs as root. */
const UNPRIVILEGED = { uid: 65534, gid: 65534 };

/** The `ENV KEY=value ...` instructions of a Dockerfile, continuation lines joined. */
export function dockerfileEnv(dockerfile: string): Record<string, string> {
  const env: Record<string, string> = {};
  const instructions = dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const instruction of instructions) {
    const match = /^\s*ENV\s+(.*)$/i.exec(instruction);
    if (!match?.[1]) continue;
    for (const pair of match[1].trim().split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq <= 0 || /["']/.test(pair)) throw new Error(`the Dockerfile's ENV must use unquoted KEY=value pairs: ${pair}`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

/** What the image's `15-local-resolvers.envsh` makes of resolv.conf: the nameservers, IPv6 ones in brackets. */
export function localResolvers(resolvConf: string): string {
  return resolvConf
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[0] === 'nameserver' && fields[1])
    .map(([, address = '']) => (address.includes(':') ? `[${address}]` : address))
    .join(' ');
}

/**
 * The environment the image's entrypoint runs envsubst in: the base image's, the Dockerfile's `ENV`, what the operator
 * sets (`docker run -e`), then `NGINX_LOCAL_RESOLVERS` when `NGINX_ENTRYPOINT_LOCAL_RESOLVERS` is non-empty.
 */
export function entrypointEnv(
  dockerfile: string,
  runEnv: Readonly<Record<string, string>>,
  resolvConf: string,
): Record<string, string> {
  const env = { ...BASE_IMAGE_ENV, ...dockerfileEnv(dockerfile), ...runEnv };
  if (env.NGINX_ENTRYPOINT_LOCAL_RESOLVERS) env.NGINX_LOCAL_RESOLVERS = localResolvers(resolvConf);
  return env;
}

/**
 * Renders a template as the image's `20-envsubst-on-templates.sh` does: envsubst replaces `$NAME` and `${NAME}` for the
 * defined variables whose name matches `NGINX_ENVSUBST_FILTER` (all when empty), and leaves every other `$` alone.
 */
export function renderTemplate(envsubst: string, template: string, env: Readonly<Record<string, string>>): string {
  const filter = new RegExp(env.NGINX_ENVSUBST_FILTER ?? '');
  const defined = Object.keys(env)
    .filter((name) => filter.test(name))
    .map((name) => `\${${name}}`)
    .join(' ');
  return execFileSync(envsubst, [defined], { input: template, env, encoding: 'utf8' });
}

export interface NginxServerProps {
  /** The nginx binary. */
  readonly nginx: string;
  /** The `mime.types` file that nginx.conf includes, as the image's nginx.conf does. */
  readonly mimeTypes: string;
  /** The rendered server block: what the image's entrypoint writes to `/etc/nginx/conf.d/default.conf`. */
  readonly serverBlock: string;
  /** The loopback port the server block listens on. */
  readonly port: number;
  /** How long to wait for the port to accept connections. @default 10_000 */
  readonly readyTimeoutMs?: number;
}

/**
 * nginx in the foreground with the image's nginx.conf (temp paths and pid in a state directory, the server block in
 * `conf.d/`), unprivileged like the image: as `nobody` when the test runs as root.
 */
export class NginxServer {
  private child: ChildProcess | undefined;
  private dir: string | undefined;
  private stderr = '';

  constructor(private readonly props: NginxServerProps) {
    if (!Number.isInteger(props.port) || props.port < 1024 || props.port > 65535) {
      throw new Error(`'port' must be an unprivileged port between 1024 and 65535: ${props.port}`);
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.props.port}`;
  }

  /** Checks the config with `nginx -t` (no port is bound); throws with nginx's complaint when it is invalid. */
  check(): void {
    const dir = this.writeConfig();
    try {
      execFileSync(this.props.nginx, ['-t', ...this.args(dir)], { cwd: dir, env: {}, stdio: 'pipe', ...this.user() });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
      throw new Error(`nginx -t rejected the config:\n${stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Writes the config and starts nginx; resolves once it accepts connections, rejects if it exits first. */
  async start(): Promise<void> {
    if (this.child) return;
    const dir = this.writeConfig();
    this.dir = dir;
    const child = spawn(this.props.nginx, this.args(dir), {
      cwd: dir,
      env: {},
      stdio: ['ignore', 'ignore', 'pipe'],
      ...this.user(),
    });
    this.child = child;
    this.stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-20_000);
    });
    const deadline = Date.now() + (this.props.readyTimeoutMs ?? 10_000);
    while (!(await this.accepting())) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        const output = this.stderr;
        await this.stop();
        throw new Error(`nginx did not start:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops nginx gracefully (SIGQUIT, the image's stop signal), SIGKILL after 5 s, and removes its state. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  /** A state directory holding nginx.conf and `conf.d/default.conf`, owned by the user nginx runs as. */
  private writeConfig(): string {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-nginx-'));
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'conf.d/default.conf'), this.props.serverBlock);
    writeFileSync(join(dir, 'nginx.conf'), this.nginxConf(dir));
    if (this.asRoot) chownSync(dir, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
    return dir;
  }

  private args(dir: string): string[] {
    return ['-p', dir, '-e', 'stderr', '-c', join(dir, 'nginx.conf')];
  }

  private get asRoot(): boolean {
    return process.getuid?.() === 0;
  }

  private user(): { readonly uid?: number; readonly gid?: number } {
    return this.asRoot ? UNPRIVILEGED : {};
  }

  private nginxConf(dir: string): string {
    return [
      'worker_processes 1;',
      'daemon off;',
      'error_log stderr notice;',
      `pid ${join(dir, 'nginx.pid')};`,
      'events { worker_connections 256; }',
      'http {',
      ...['proxy', 'client_body', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${join(dir, kind)};`),
      `  include ${this.props.mimeTypes};`,
      '  default_type application/octet-stream;',
      '  access_log off;',
      '  sendfile on;',
      '  keepalive_timeout 65;',
      `  include ${join(dir, 'conf.d')}/*.conf;`,
      '}',
      '',
    ].join('\n');
  }

  private accepting(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.props.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }
}
