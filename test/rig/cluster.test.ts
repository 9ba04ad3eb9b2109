import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { defaults } from '@stratus/config';
import { beforeAll, describe, expect, it } from 'vitest';
import { rig, rigCommand } from '../support/rig.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const toolbox = 'stratus.local/rig/toolbox:1';
/** The rig names its netns and veth after a hash of its state directory, so checkouts do not collide. */
const id = createHash('sha256')
  .update(process.env.STRATUS_RIG_STATE ?? join(root, '.rig'))
  .digest('hex')
  .slice(0, 6);
const run = promisify(execFile);
const namespace = 'rig-check';
let printed: Record<string, string> = {};
let env: ReturnType<typeof clusterEnv>;

function clusterEnv(lines: Record<string, string>) {
  const need = (key: string) => {
    const value = lines[key];
    if (!value) throw new Error(`cluster.sh start printed no ${key}=`);
    return value;
  };
  return {
    KUBECONFIG: need('KUBECONFIG'),
    KUBECTL: need('KUBECTL'),
    INGRESS_URL: need('INGRESS_URL'),
    CONTAINERD_ADDRESS: need('CONTAINERD_ADDRESS'),
    CLUSTER_NETNS: need('CLUSTER_NETNS'),
    CLUSTER_STORAGE: need('CLUSTER_STORAGE'),
  };
}

/**
 * What the host shows of the cluster: it must be the same before start and after stop. Other work shares this
 * machine (image builds use CNI too), so only what can be the cluster's is compared: its sysctls, links, netns,
 * mounts, iptables rules (its ranges and chains), processes and cgroups.
 */
function hostState() {
  const sh = (cmd: string) => execFileSync('bash', ['-c', cmd], { encoding: 'utf8' });
  const lines = (text: string, pattern: RegExp) => text.split('\n').filter((line) => pattern.test(line));
  return {
    sysctls: sh(
      'sysctl vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys ' +
        'kernel.keys.root_maxbytes net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables',
    ),
    netns: lines(sh('ip netns list'), new RegExp(`^stratus-${id}\\b`)),
    links: lines(sh('ip -o link show'), new RegExp(`: stv${id}[@:]`)),
    iptables: lines(sh('iptables-save'), /10\.4[23]\.|10\.201\.|KUBE-|stratus-|cni0/),
    mounts: lines(readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(`${join(root, '.rig')}|/run/netns/stratus-${id}`)),
    processes: lines(sh('ps -eo args'), new RegExp(join(root, '.rig/cluster'))),
    cgroups: readdirSync('/sys/fs/cgroup').flatMap((h) => {
      const dir = join('/sys/fs/cgroup', h);
      return existsSync(dir) ? readdirSync(dir).filter((d) => d === `stratus-${id}`) : [];
    }),
  };
}

/** Files the containers with these ids could leave behind: their shims' sockets and libcni's cached results. */
function containerLeftovers(ids: readonly string[]) {
  const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
  const sockets = new Set(ids.map((id) => createHash('sha256').update(`${env.CONTAINERD_ADDRESS}/k8s.io/${id}`).digest('hex')));
  return [
    ...list('/run/containerd/s').filter((s) => sockets.has(s)),
    ...list('/var/lib/cni/results').filter((f) => ids.some((id) => f.includes(id))),
  ];
}

function kubectl(args: readonly string[], input?: string) {
  const result = spawnSync(env.KUBECTL, args, {
    cwd: root,
    input,
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: env.KUBECONFIG },
    timeout: 150_000,
  });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function ok(args: readonly string[], input?: string) {
  const r = kubectl(args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const restricted = {
  runAsNonRoot: true,
  runAsUser: 65534,
  runAsGroup: 65534,
  seccompProfile: { type: 'RuntimeDefault' },
};
const container = {
  image: toolbox,
  imagePullPolicy: 'IfNotPresent',
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
};

function pod(
  name: string,
  labels: Record<string, string>,
  command: string[],
  extra: { volumes?: unknown[]; volumeMounts?: unknown[]; image?: string } = {},
) {
  const { volumes, volumeMounts, image } = extra;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: {
      securityContext: { ...restricted, fsGroup: 65534 },
      containers: [{ ...container, name: 'main', command, volumeMounts, image: image ?? toolbox }],
      volumes,
    },
  };
}

function apply(...objects: unknown[]) {
  ok(['apply', '-f', '-'], objects.map((o) => JSON.stringify(o)).join('\n'));
}

function waitReady(...pods: string[]) {
  ok(['wait', '-n', namespace, '--for=condition=Ready', '--timeout=120s', ...pods.map((p) => `pod/${p}`)]);
}

/** Runs the toolbox's probe in a pod; status 0 when it succeeded. */
function probe(podName: string, ...args: string[]) {
  return kubectl(['exec', '-n', namespace, podName, '--', 'probe', ...args]);
}

let before: ReturnType<typeof hostState>;

describe(`the cluster rig: a one-node Kubernetes ${defaults.versions.kubernetes} in a network namespace`, () => {
  beforeAll(async () => {
    // Asynchronous, so that the test worker keeps answering vitest while the cluster comes up.
    await run('bash', ['scripts/rig/cluster.sh', 'stop'], { cwd: root });
    before = hostState();
    await run('bash', ['scripts/rig/cluster.sh', 'start'], { cwd: root, timeout: 20 * 60_000 });
    printed = await rig('cluster');
    env = clusterEnv(printed);
  }, 20 * 60_000);

  it('prints the interface and answers start idempotently', async () => {
    expect(env.INGRESS_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env.CONTAINERD_ADDRESS).toMatch(/containerd\.sock$/);
    expect(env.CLUSTER_NETNS).toBe(`stratus-${id}`);
    expect(existsSync(env.KUBECONFIG)).toBe(true);
    expect(await rig('cluster')).toEqual(printed);
    expect(rigCommand('cluster', 'status')).toMatch(/^running\n/);
  });

  it('has a Ready node of the targeted version, on containerd with runc', () => {
    const node = JSON.parse(ok(['get', 'node', 'rig-node', '-o', 'json']));
    expect(node.status.nodeInfo.kubeletVersion).toBe(`v${defaults.versions.kubernetes}`);
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\//);
    expect(node.status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('True');
    expect(ok(['get', 'storageclass', 'local-path', '-o', 'jsonpath={.metadata.annotations}'])).toContain(
      '"storageclass.kubernetes.io/is-default-class":"true"',
    );
  });

  it('changes no host sysctl while it runs', () => {
    expect(hostState().sysctls).toBe(before.sysctls);
  });

  it('enforces Pod Security: a restricted namespace refuses a root pod and admits a restricted one', () => {
    apply({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
    const root = kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({ ...pod('root', {}, ['sleep', '1']), spec: { containers: [{ name: 'main', image: toolbox }] } }),
    );
    expect(root.status).not.toBe(0);
    expect(root.stderr).toContain('violates PodSecurity "restricted');
    apply(
      pod('web', { app: 'web' }, ['probe', 'serve', ':8080', 'hello from web']),
      pod('friend', { role: 'friend' }, ['sleep', '3600']),
      pod('stranger', { role: 'stranger' }, ['sleep', '3600']),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace },
        spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    );
    waitReady('web', 'friend', 'stranger');
    expect(ok(['exec', '-n', namespace, 'friend', '--', 'id', '-u']).trim()).toBe('65534');
  });

  it('resolves Services through CoreDNS and reaches them through kube-proxy', () => {
    const dns = probe('friend', 'dns', `web.${namespace}.svc.cluster.local`);
    expect(dns.stderr).toBe('');
    const clusterIp = ok(['get', 'svc', '-n', namespace, 'web', '-o', 'jsonpath={.spec.clusterIP}']);
    expect(dns.stdout.trim()).toBe(clusterIp);
    expect(probe('friend', 'get', 'http://web/').stdout).toBe('hello from web\n');
    expect(probe('stranger', 'get', 'http://web/').stdout).toBe('hello from web\n');
  });

  it('enforces a NetworkPolicy: only the allowed pod still reaches web', () => {
    apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'web-from-friends', namespace },
      spec: {
        podSelector: { matchLabels: { app: 'web' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { role: 'friend' } } }], ports: [{ port: 8080 }] }],
      },
    });
    const deadline = Date.now() + 60_000;
    while (probe('stranger', 'dial', 'web:80').status === 0 && Date.now() < deadline) spawnSync('sleep', ['1']);
    expect(probe('stranger', 'dial', 'web:80').status).not.toBe(0);
    expect(probe('friend', 'get', 'http://web/').stdout).toBe('hello from web\n');
  });

  it('binds a claim on the default local-path class and keeps what a pod writes', () => {
    apply(
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data', namespace },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } },
      },
      pod('writer', {}, ['sh', '-c', 'echo kept > /data/note && sleep 3600'], {
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      }),
    );
    waitReady('writer');
    const claim = JSON.parse(ok(['get', 'pvc', '-n', namespace, 'data', '-o', 'json']));
    expect(claim.status.phase).toBe('Bound');
    expect(claim.spec.storageClassName).toBe('local-path');
    const volume = JSON.parse(ok(['get', 'pv', claim.spec.volumeName, '-o', 'json']));
    expect(volume.spec.hostPath.path.startsWith(env.CLUSTER_STORAGE)).toBe(true);
    expect(readFileSync(join(volume.spec.hostPath.path, 'note'), 'utf8')).toBe('kept\n');
  });

  it('serves an Ingress through Traefik on the host loopback', async () => {
    apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace },
      spec: {
        ingressClassName: 'traefik',
        rules: [
          { http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
        ],
      },
    });
    // Traefik is no friend of web: it gets in only through a policy that admits it by the labels the charts use.
    apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'web-from-traefik', namespace },
      spec: {
        podSelector: { matchLabels: { app: 'web' } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } },
              },
            ],
          },
        ],
      },
    });
    let body = '';
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const res = await fetch(`${env.INGRESS_URL}/`).catch(() => undefined);
      body = res?.ok ? await res.text() : '';
      if (body) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(body).toBe('hello from web\n');
  });

  it('has no way out of the machine: no route, and no image pull', () => {
    const out = probe('friend', 'dial', '1.1.1.1:443');
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/network is unreachable/);
    apply(pod('pull', {}, ['true'], { image: 'docker.io/library/busybox:1.37.0' }));
    let reason = '';
    const deadline = Date.now() + 60_000;
    while (!reason && Date.now() < deadline) {
      reason = ok(['get', 'pod', '-n', namespace, 'pull', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}']);
      if (reason === 'ContainerCreating') reason = '';
    }
    expect(reason).toMatch(/ErrImagePull|ImagePullBackOff/);
  });

  it('stops without leaving a process, mount, interface, netns, iptables rule, cgroup or sysctl change', async () => {
    const ids = rigCommand('cluster', 'ctr', 'containers', 'ls', '-q').trim().split('\n');
    expect(ids.length).toBeGreaterThan(5);
    await run('bash', ['scripts/rig/cluster.sh', 'stop'], { cwd: root });
    expect(containerLeftovers(ids)).toEqual([]);
    expect(spawnSync('bash', ['scripts/rig/cluster.sh', 'status'], { cwd: root, encoding: 'utf8' }).stdout).toBe('stopped\n');
    expect(hostState()).toEqual(before);
  });
});
