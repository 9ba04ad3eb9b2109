import { type ChildProcess, execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RUNC = '/usr/sbin/runc';
/** Docker's default capabilities: what an image that starts as root (postgres) may use to drop to its user. */
const ROOT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** `buildah` on the image rig's store. */
export function buildah(...args: string[]): string {
  return execFileSync('bash', ['scripts/rig/images.sh', 'buildah', ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** The parts of an OCI image config a runtime uses. */
export interface ImageConfig {
  readonly User?: string;
  readonly Env?: string[];
  readonly Entrypoint?: string[] | null;
  readonly Cmd?: string[] | null;
  readonly WorkingDir?: string;
}

export function imageConfig(ref: string): ImageConfig {
  const inspected = JSON.parse(buildah('inspect', '--type', 'image', ref)) as { OCIv1: { config?: ImageConfig } };
  return inspected.OCIv1.config ?? {};
}

/** `uid:gid` for a USER of an image (a name or number, with an optional group) resolved in its own passwd and group. */
export function resolveUser(rootfs: string, user: string | undefined): { uid: number; gid: number } {
  const [name = '', group] = (user || 'root').split(':');
  const passwd = readFileSync(join(rootfs, 'etc/passwd'), 'utf8')
    .split('\n')
    .map((line) => line.split(':'));
  const entry = passwd.find((f) => f[0] === name || f[2] === name);
  const uid = /^\d+$/.test(name) ? Number(name) : Number(entry?.[2] ?? Number.NaN);
  if (Number.isNaN(uid)) throw new Error(`the image's user '${name}' is not in its /etc/passwd`);
  let gid = Number(entry?.[3] ?? uid);
  if (group !== undefined) {
    const groups = readFileSync(join(rootfs, 'etc/group'), 'utf8')
      .split('\n')
      .map((line) => line.split(':'));
    gid = /^\d+$/.test(group) ? Number(group) : Number(groups.find((f) => f[0] === group)?.[2] ?? Number.NaN);
  }
  return { uid, gid };
}

export interface ContainerProps {
  /** The image, as the manifests name it. */
  readonly image: string;
  /** The uid and gid to run as. @default the image's USER */
  readonly user?: { readonly uid: number; readonly gid: number };
  /** Replaces the image's entrypoint (Kubernetes `command`). @default the image's */
  readonly command?: readonly string[];
  /** Replaces the image's cmd (Kubernetes `args`). @default the image's, unless `command` is set */
  readonly args?: readonly string[];
  /** Added to the image's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Whether the root filesystem is read-only. @default true */
  readonly readOnlyRoot?: boolean;
  /** Writable empty directories, world-writable like the kubelet's emptyDir. */
  readonly writable?: readonly string[];
  /** Host directories bind-mounted read-write: container path to host path. */
  readonly volumes?: Readonly<Record<string, string>>;
  /** Files mounted read-only: container path to content. */
  readonly files?: Readonly<Record<string, string>>;
}

export interface ExecResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

let counter = 0;

/** A command's status and output, without blocking the event loop (vitest's workers talk over it). */
function run(command: string, args: readonly string[]): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(command, args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

/** One container run by runc from the rig's image store, in a network namespace of its own with only loopback. */
export class OciContainer {
  private process?: ChildProcess;
  private exited?: number | null;

  private constructor(
    readonly id: string,
    readonly rootfs: string,
    readonly user: { readonly uid: number; readonly gid: number },
    private readonly bundle: string,
  ) {}

  static start(props: ContainerProps): OciContainer {
    const id = `stratus-img-${process.pid}-${++counter}`;
    execFileSync('ip', ['netns', 'add', id]);
    execFileSync('ip', ['-n', id, 'link', 'set', 'lo', 'up']);
    buildah('from', '--pull-never', '--name', id, props.image);
    const rootfs = buildah('mount', id);
    const bundle = mkdtempSync(join(tmpdir(), 'stratus-oci-'));
    const config = imageConfig(props.image);
    const user = props.user ?? resolveUser(rootfs, config.User);
    const entrypoint = props.command ?? config.Entrypoint ?? [];
    const cmd = props.args ?? (props.command ? [] : (config.Cmd ?? []));
    const env = new Map((config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    for (const [k, v] of Object.entries({ HOSTNAME: id, ...props.env })) env.set(k, v);
    const files: Record<string, string> = {
      '/etc/hosts': `127.0.0.1 localhost ${id}\n::1 localhost\n`,
      '/etc/resolv.conf': 'nameserver 127.0.0.53\n',
      ...props.files,
    };
    const fileMounts = Object.entries(files).map(([path, content], i) => {
      const source = join(bundle, `file-${i}`);
      writeFileSync(source, content);
      return { destination: path, type: 'bind', source, options: ['rbind', 'ro'] };
    });
    // Like the kubelet's emptyDir: a world-writable host directory bind-mounted (a tmpfs would take the mode of the
    // directory it covers, which runc keeps).
    const emptyDirs = Object.fromEntries(
      (props.writable ?? []).map((path, i) => {
        const dir = join(bundle, `empty-${i}`);
        mkdirSync(dir, { mode: 0o777 });
        chmodSync(dir, 0o777);
        return [path, dir];
      }),
    );
    const capabilities = user.uid === 0 ? ROOT_CAPABILITIES : [];
    const spec = {
      ociVersion: '1.0.2',
      process: {
        terminal: false,
        user: { uid: user.uid, gid: user.gid, additionalGids: [user.gid] },
        args: [...entrypoint, ...cmd],
        env: [...env].map(([k, v]) => `${k}=${v}`),
        cwd: config.WorkingDir || '/',
        capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
        noNewPrivileges: user.uid !== 0,
      },
      root: { path: rootfs, readonly: props.readOnlyRoot ?? true },
      hostname: id,
      mounts: [
        { destination: '/proc', type: 'proc', source: 'proc' },
        { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
        {
          destination: '/dev/pts',
          type: 'devpts',
          source: 'devpts',
          options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
        },
        {
          destination: '/dev/shm',
          type: 'tmpfs',
          source: 'shm',
          options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
        },
        { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
        ...Object.entries({ ...emptyDirs, ...props.volumes }).map(([destination, source]) => ({
          destination,
          type: 'bind',
          source,
          options: ['rbind', 'rw'],
        })),
        ...fileMounts,
      ],
      linux: {
        namespaces: [
          { type: 'pid' },
          { type: 'ipc' },
          { type: 'uts' },
          { type: 'mount' },
          { type: 'network', path: `/var/run/netns/${id}` },
        ],
        maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/sys/firmware'],
        readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
      },
    };
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
    const container = new OciContainer(id, rootfs, user, bundle);
    const log = openSync(join(bundle, 'log'), 'w');
    container.process = spawn(RUNC, ['run', '--bundle', bundle, id], { stdio: ['ignore', log, log] });
    closeSync(log);
    container.process.on('exit', (code) => {
      container.exited = code;
    });
    return container;
  }

  /** Adds an address to the loopback device of the container's network namespace (one that is not 127.0.0.0/8). */
  addAddress(address: string): void {
    execFileSync('ip', ['-n', this.id, 'addr', 'add', `${address}/32`, 'dev', 'lo']);
  }

  /** What the container printed so far. */
  logs(): string {
    return readFileSync(join(this.bundle, 'log'), 'utf8');
  }

  /** The exit status once the container's process has ended. */
  get exitCode(): number | null | undefined {
    return this.exited;
  }

  /** Runs a command inside, as the container's user. */
  exec(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<ExecResult> {
    return run(RUNC, ['exec', ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]), this.id, ...args]);
  }

  /** The uid the container's first process runs as now (after any drop of privileges). */
  initUid(): number {
    const state = JSON.parse(execFileSync(RUNC, ['state', this.id], { encoding: 'utf8' })) as { pid: number };
    const status = readFileSync(`/proc/${state.pid}/status`, 'utf8');
    return Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
  }

  /** An HTTP GET to 127.0.0.1:PORT in the container's network namespace, from the host's Node (status 0: no answer). */
  async http(port: number, path: string): Promise<{ status: number; body: string }> {
    const script = `fetch('http://127.0.0.1:${port}${path}').then(async (r) => { process.stdout.write(r.status + '\\n' + (await r.text())); }, () => process.stdout.write('0\\n'));`;
    const { stdout } = await run('ip', ['netns', 'exec', this.id, process.execPath, '-e', script]);
    const newline = stdout.indexOf('\n');
    return { status: Number(stdout.slice(0, newline)), body: stdout.slice(newline + 1) };
  }

  /** Polls `check` every 500 ms until it returns a value, failing with the container's log after `seconds`. */
  async waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, seconds = 90): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (this.exited !== undefined || Date.now() > deadline) {
        const why = this.exited !== undefined ? `the container exited with ${this.exited}` : `${seconds} s passed`;
        throw new Error(`${this.id} (${what}): ${why}. Its log:\n${this.logs().slice(-4000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Kills the container and removes it, its mount, its network namespace and its bundle. */
  async stop(): Promise<void> {
    spawnSync(RUNC, ['kill', this.id, 'KILL']);
    const deadline = Date.now() + 10_000;
    while (this.exited === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    spawnSync(RUNC, ['delete', '--force', this.id]);
    spawnSync('bash', ['scripts/rig/images.sh', 'buildah', 'rm', this.id], { cwd: root });
    spawnSync('ip', ['netns', 'delete', this.id]);
    rmSync(this.bundle, { recursive: true, force: true });
  }
}
