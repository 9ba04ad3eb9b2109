import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bootScript } from './boot-scripts.ts';
import { renderCloudConfig, USER_DATA_LIMIT, userDataFor } from './cloud-init.ts';
import { UserDataTooLargeError } from './errors.ts';
import { k3sAgentCloudConfig, k3sServerCloudConfig, type Manifest } from './k3s-cloud-init.ts';

const VERSION = 'v1.36.3+k3s1';

function manifests(count: number): Manifest[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${String(i).padStart(3, '0')}-deployment.yaml`,
    content: [
      'apiVersion: apps/v1',
      'kind: Deployment',
      `metadata: {name: app-${i}, namespace: todo, labels: {app.kubernetes.io/name: app-${i}}}`,
      'spec:',
      '  replicas: 2',
      `  selector: {matchLabels: {app.kubernetes.io/name: app-${i}}}`,
      '  template:',
      `    metadata: {labels: {app.kubernetes.io/name: app-${i}}}`,
      `    spec: {containers: [{name: app, image: ghcr.io/stratus-platform/app-${i}:0.1.0, ports: [{containerPort: ${3000 + i}}]}]}`,
      '',
    ].join('\n'),
  }));
}

describe('k3s server cloud-init', () => {
  it('runs the server boot script with the pinned k3s release and the cloud provider, after closing the metadata service', () => {
    const cloud = k3sServerCloudConfig(VERSION, 'openstack');
    expect(cloud.commands).toEqual([['bash', '/usr/local/lib/stratus/k3s-server.sh', VERSION, 'openstack']]);
    expect(cloud.bootCommands?.map((c) => c.join(' '))).toEqual([
      expect.stringContaining('iptables -t raw -I OUTPUT 1 -d 169.254.169.254/32 -j DROP'),
      expect.stringContaining('iptables -t raw -I PREROUTING 1 -d 169.254.169.254/32 -j DROP'),
    ]);
    expect(cloud.files.map((f) => f.path)).toEqual(['/usr/local/lib/stratus/common.sh', '/usr/local/lib/stratus/k3s-server.sh']);
  });

  it('keeps the state on the volume and passes --cluster-init only when the volume holds no cluster yet', () => {
    const script = bootScript('k3s-server');
    expect(script).toContain('mount_volume "$(meta data_volume_id)" "$state"');
    expect(script).toMatch(/if \[\[ ! -d \$state\/server\/db\/etcd \]\]; then[\s\S]*exec_args="server --cluster-init"/);
    expect(script).toContain('tls-san');
    expect(script).toContain('[[ -n $floating_ip ]] && echo "  - $floating_ip"');
  });

  it('gives the agents their own token, and with OpenStack leaves the cloud and the volumes to its controllers', () => {
    const script = bootScript('k3s-server');
    expect(script).toContain('echo "agent-token: $agent_token"');
    expect(script).toMatch(
      /if \[\[ \$cloud_provider == openstack \]\]; then[\s\S]*disable-cloud-controller: true[\s\S]*local-storage[\s\S]*cloud-provider=external/,
    );
  });

  it('stages the manifests for the auto-deploy directory', () => {
    const cloud = k3sServerCloudConfig(VERSION, 'none', manifests(2));
    expect(cloud.files.slice(2).map((f) => f.path)).toEqual([
      '/opt/stratus/manifests/000-deployment.yaml',
      '/opt/stratus/manifests/001-deployment.yaml',
    ]);
    expect(bootScript('k3s-server')).toContain('cp /opt/stratus/manifests/*.yaml "$state/server/manifests/"');
  });

  it('fits a platform-sized set of manifests into the user data limit thanks to gzip', () => {
    const text = renderCloudConfig(k3sServerCloudConfig(VERSION, 'none', manifests(150)));
    expect(Buffer.byteLength(text)).toBeGreaterThan(USER_DATA_LIMIT * 1.2);
    expect(userDataFor('server', text).length).toBeLessThan(USER_DATA_LIMIT);
  });

  it('rejects manifests that do not fit even compressed', () => {
    const huge = [{ name: 'noise.yaml', content: `data: ${randomBytes(60_000).toString('base64')}\n` }];
    expect(() => userDataFor('stratus-k3s-server', renderCloudConfig(k3sServerCloudConfig(VERSION, 'none', huge)))).toThrow(
      UserDataTooLargeError,
    );
  });
});

describe('k3s agent cloud-init', () => {
  it('joins the URL from the metadata with the agent token and a fresh node id on every replacement', () => {
    const cloud = k3sAgentCloudConfig(VERSION, 'openstack');
    expect(cloud.commands).toEqual([['bash', '/usr/local/lib/stratus/k3s-agent.sh', VERSION, 'openstack']]);
    expect(cloud.bootCommands).toHaveLength(2);
    const script = bootScript('k3s-agent');
    expect(script).toContain('exec_args=(agent --with-node-id)');
    expect(script).toContain('url=$(meta k3s_url)');
    expect(script).toContain('token=$(meta k3s_agent_token)');
    expect(script).not.toContain('meta k3s_token');
    expect(script).toContain('--kubelet-arg=provider-id=openstack:///$instance');
  });
});
