import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenStackApiError, OpenStackAuthError, resolveCredentials } from './openstack-api.ts';
import { pin } from './openstack-pin.ts';

const OLD_IMAGE = '11111111-1111-4111-8111-111111111111';
const NEW_IMAGE = '22222222-2222-4222-8222-222222222222';
const NETWORK = '33333333-3333-4333-8333-333333333333';

/** A fake Keystone, Glance and Neutron: enough of their APIs to answer what the pin command asks, and a log of it. */
class FakeCloud {
  readonly requests: { method: string; url: string; token?: string; body?: unknown }[] = [];
  images = [
    { id: OLD_IMAGE, name: 'Ubuntu 24.04', status: 'active', created_at: '2026-01-10T08:00:00Z' },
    { id: NEW_IMAGE, name: 'Ubuntu 24.04', status: 'active', created_at: '2026-11-20T08:00:00Z' },
    { id: '44444444-4444-4444-8444-444444444444', name: 'Ubuntu 24.04', status: 'queued', created_at: '2026-11-30T08:00:00Z' },
    { id: '55555555-5555-4555-8555-555555555555', name: 'Debian 13', status: 'active', created_at: '2026-11-25T08:00:00Z' },
  ];
  networks = [
    { id: NETWORK, name: 'DHBW' },
    { id: '66666666-6666-4666-8666-666666666666', name: 'other' },
  ];
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      void this.handle(req).then(({ status, headers, body }) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; headers?: Record<string, string>; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const token = req.headers['x-auth-token'] as string | undefined;
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', token, body: raw ? JSON.parse(raw) : undefined });
    const url = new URL(req.url ?? '/', this.url);
    if (req.method === 'POST' && url.pathname === '/identity/v3/auth/tokens') {
      return {
        status: 201,
        headers: { 'x-subject-token': 'token-1' },
        body: {
          token: {
            catalog: [
              {
                type: 'image',
                endpoints: [
                  { interface: 'internal', region_id: 'RegionOne', url: 'http://10.0.0.1:9292' },
                  { interface: 'public', region_id: 'RegionTwo', url: `${this.url}/wrong-region` },
                  { interface: 'public', region_id: 'RegionOne', url: `${this.url}/image/` },
                ],
              },
              { type: 'network', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${this.url}/network/v2.0` }] },
            ],
          },
        },
      };
    }
    if (token !== 'token-1') return { status: 401, body: { error: 'no token' } };
    if (url.pathname === '/image/v2/images') {
      const name = url.searchParams.get('name');
      const status = url.searchParams.get('status');
      const found = this.images
        .filter((i) => i.name === name && (!status || i.status === status))
        .sort((a, b) => (url.searchParams.get('sort') === 'created_at:desc' ? b.created_at.localeCompare(a.created_at) : 0))
        .slice(0, Number(url.searchParams.get('limit') ?? 25));
      return { status: 200, body: { images: found } };
    }
    if (url.pathname === '/network/v2.0/networks') {
      return { status: 200, body: { networks: this.networks.filter((n) => n.name === url.searchParams.get('name')) } };
    }
    return { status: 404, body: { error: `no route ${url.pathname}` } };
  }
}

const cloud = new FakeCloud();
const temp = mkdtempSync(join(tmpdir(), 'stratus-pin-'));
const file = join(temp, 'stratus.config.json');
const lines: string[] = [];
const passwordEnv = () => ({
  OS_AUTH_URL: `${cloud.url}/identity`,
  OS_USERNAME: 'ops',
  OS_PASSWORD: 'secret',
  OS_PROJECT_NAME: 'stratus',
  OS_USER_DOMAIN_NAME: 'Default',
  OS_REGION_NAME: 'RegionOne',
});

beforeAll(() => cloud.start());
afterAll(async () => {
  await cloud.stop();
  rmSync(temp, { recursive: true, force: true });
});
beforeEach(() => {
  cloud.requests.length = 0;
  lines.length = 0;
  rmSync(file, { force: true });
});

describe('pnpm openstack:pin', () => {
  it('writes the newest active image of the name and the network id, keeping the rest of the config file', async () => {
    writeFileSync(file, JSON.stringify({ version: '1.2.3', openstack: { keyPair: 'ops', imageId: OLD_IMAGE } }));
    const result = await pin({ file, env: passwordEnv(), log: (l) => lines.push(l) });
    expect(result).toEqual({ imageId: { before: OLD_IMAGE, after: NEW_IMAGE }, networkId: { before: '', after: NETWORK } });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      version: '1.2.3',
      openstack: { keyPair: 'ops', imageId: NEW_IMAGE, networkId: NETWORK },
    });
    expect(lines[0]).toContain(
      `openstack.imageId = ${NEW_IMAGE} (newest "Ubuntu 24.04", created 2026-11-20T08:00:00Z; was ${OLD_IMAGE})`,
    );
    const [auth, images, networks] = cloud.requests;
    expect(auth?.body).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'ops', domain: { name: 'Default' }, password: 'secret' } } },
        scope: { project: { name: 'stratus', domain: { name: 'Default' } } },
      },
    });
    expect(images?.url).toBe('/image/v2/images?name=Ubuntu+24.04&status=active&sort=created_at%3Adesc&limit=1');
    expect(networks?.url).toBe('/network/v2.0/networks?name=DHBW');
    expect([images?.token, networks?.token]).toEqual(['token-1', 'token-1']);
  });

  it('reports an unchanged pin when nothing new was uploaded, and picks up a new upload only when run again', async () => {
    await pin({ file, env: passwordEnv(), log: () => {} });
    const again = await pin({ file, env: passwordEnv(), log: (l) => lines.push(l) });
    expect(again.imageId).toEqual({ before: NEW_IMAGE, after: NEW_IMAGE });
    expect(lines[0]).toContain('unchanged');
    cloud.images.push({
      id: '77777777-7777-4777-8777-777777777777',
      name: 'Ubuntu 24.04',
      status: 'active',
      created_at: '2026-12-01T08:00:00Z',
    });
    expect(JSON.parse(readFileSync(file, 'utf8')).openstack.imageId).toBe(NEW_IMAGE);
    const later = await pin({ file, env: passwordEnv(), log: () => {} });
    expect(later.imageId.after).toBe('77777777-7777-4777-8777-777777777777');
    cloud.images.pop();
  });

  it('uses the image and network names and the cloud of the config, with an application credential from clouds.yaml', async () => {
    const clouds = join(temp, 'clouds.yaml');
    writeFileSync(
      clouds,
      [
        'clouds:',
        '  dhbw:',
        '    auth_type: v3applicationcredential',
        '    region_name: RegionOne',
        '    auth:',
        `      auth_url: ${cloud.url}/identity/v3/`,
        '      application_credential_id: app-1',
        '      application_credential_secret: app-secret',
      ].join('\n'),
    );
    writeFileSync(file, JSON.stringify({ openstack: { cloud: 'dhbw', image: 'Debian 13', network: 'other' } }));
    const result = await pin({ file, env: { OS_CLIENT_CONFIG_FILE: clouds }, log: () => {} });
    expect(result.imageId.after).toBe('55555555-5555-4555-8555-555555555555');
    expect(result.networkId.after).toBe('66666666-6666-4666-8666-666666666666');
    expect(cloud.requests[0]?.body).toEqual({
      auth: { identity: { methods: ['application_credential'], application_credential: { id: 'app-1', secret: 'app-secret' } } },
    });
  });

  it('fails naming what is missing or ambiguous, and writes nothing', async () => {
    await expect(pin({ file, env: { ...passwordEnv(), OS_AUTH_URL: '' }, log: () => {} })).rejects.toThrow(
      new OpenStackAuthError('the OS_* environment: the Keystone URL (auth_url / OS_AUTH_URL) is not set'),
    );
    writeFileSync(file, JSON.stringify({ openstack: { image: 'Ubuntu 26.04' } }));
    await expect(pin({ file, env: passwordEnv(), log: () => {} })).rejects.toThrow(
      new OpenStackApiError('Glance has no active image named "Ubuntu 26.04"'),
    );
    cloud.networks.push({ id: '88888888-8888-4888-8888-888888888888', name: 'DHBW' });
    writeFileSync(file, '{}');
    await expect(pin({ file, env: passwordEnv(), log: () => {} })).rejects.toThrow(
      /has 2 networks named "DHBW" .*set openstack.networkId by hand/,
    );
    cloud.networks.pop();
    expect(readFileSync(file, 'utf8')).toBe('{}');
    expect(() => resolveCredentials({ OS_CLIENT_CONFIG_FILE: join(temp, 'clouds.yaml') }, 'nope')).toThrow(
      /has no cloud "nope" \(it has: dhbw\)/,
    );
  });
});
