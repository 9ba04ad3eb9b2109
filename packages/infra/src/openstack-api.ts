import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

/** How to reach Keystone: a password or an application credential, from `OS_*` variables or a clouds.yaml entry. */
export type Credentials =
  | {
      readonly kind: 'password';
      readonly authUrl: string;
      readonly username: string;
      readonly password: string;
      readonly userDomain: string;
      readonly project: { readonly id: string } | { readonly name: string; readonly domain: string };
      readonly region?: string;
    }
  | {
      readonly kind: 'application-credential';
      readonly authUrl: string;
      readonly id: string;
      readonly secret: string;
      readonly region?: string;
    };

/** A missing or unusable setting, named so that the operator knows what to set. */
export class OpenStackAuthError extends Error {
  override readonly name = 'OpenStackAuthError';
}

/** An answer of the OpenStack API that is not what the command needs. */
export class OpenStackApiError extends Error {
  override readonly name = 'OpenStackApiError';
}

type Tree = Record<string, unknown>;
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The clouds.yaml files the OpenStack clients read, in their order. */
export function cloudsYamlPaths(env: NodeJS.ProcessEnv, cwd = process.cwd()): string[] {
  return [
    env.OS_CLIENT_CONFIG_FILE,
    join(cwd, 'clouds.yaml'),
    join(homedir(), '.config/openstack/clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  ].filter((p): p is string => p !== undefined && p !== '');
}

function fromSettings(get: (key: string) => string | undefined, source: string): Credentials {
  const need = (key: string, what: string) => {
    const value = get(key);
    if (!value) throw new OpenStackAuthError(`${source}: ${what} is not set`);
    return value;
  };
  const authUrl = need('auth_url', 'the Keystone URL (auth_url / OS_AUTH_URL)');
  const region = get('region_name');
  if ((get('auth_type') ?? '').replace(/^v3/, '') === 'applicationcredential') {
    return {
      kind: 'application-credential',
      authUrl,
      id: need('application_credential_id', 'application_credential_id / OS_APPLICATION_CREDENTIAL_ID'),
      secret: need('application_credential_secret', 'application_credential_secret / OS_APPLICATION_CREDENTIAL_SECRET'),
      region,
    };
  }
  const projectId = get('project_id');
  const projectName = get('project_name');
  if (!projectId && !projectName) throw new OpenStackAuthError(`${source}: project_id or project_name is not set`);
  return {
    kind: 'password',
    authUrl,
    username: need('username', 'username / OS_USERNAME'),
    password: need('password', 'password / OS_PASSWORD'),
    userDomain: get('user_domain_name') ?? 'Default',
    project: projectId
      ? { id: projectId }
      : { name: projectName ?? '', domain: get('project_domain_name') ?? get('user_domain_name') ?? 'Default' },
    region,
  };
}

/**
 * The credentials the OpenStack CLI would use: the named cloud from clouds.yaml when `cloud` (or `OS_CLOUD`) is set,
 * else the `OS_*` variables.
 */
export function resolveCredentials(env: NodeJS.ProcessEnv, cloud: string, readFile = readFileSync): Credentials {
  const name = cloud || env.OS_CLOUD || '';
  if (name === '') {
    return fromSettings((key) => text(env[`OS_${key.toUpperCase()}`]), 'the OS_* environment');
  }
  const file = cloudsYamlPaths(env).find((p) => existsSync(p));
  if (!file)
    throw new OpenStackAuthError(
      `cloud "${name}" is asked for, but there is no clouds.yaml (${cloudsYamlPaths(env).join(', ')})`,
    );
  const clouds = (parse(readFile(file, 'utf8')) as { clouds?: Record<string, Tree> } | null)?.clouds ?? {};
  const entry = clouds[name];
  if (!entry)
    throw new OpenStackAuthError(`${file} has no cloud "${name}" (it has: ${Object.keys(clouds).join(', ') || 'none'})`);
  const auth = (entry.auth ?? {}) as Tree;
  return fromSettings((key) => text(auth[key]) ?? text(entry[key]), `${file}, cloud "${name}"`);
}

/** A Keystone token with the service catalog's endpoints for one region. */
export interface Session {
  readonly token: string;
  /** The public URL of a service type (`image`, `network`), without its API version path. */
  endpoint(type: string): string;
}

interface CatalogEntry {
  readonly type: string;
  readonly endpoints: readonly {
    readonly interface: string;
    readonly region?: string;
    readonly region_id?: string;
    readonly url: string;
  }[];
}

function keystoneV3(authUrl: string): string {
  const trimmed = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(trimmed) ? trimmed : `${trimmed}/v3`;
}

/** Authenticates with Keystone v3 and returns the token and the catalog. */
export async function authenticate(credentials: Credentials, fetchImpl: typeof fetch = fetch): Promise<Session> {
  const identity =
    credentials.kind === 'application-credential'
      ? { methods: ['application_credential'], application_credential: { id: credentials.id, secret: credentials.secret } }
      : {
          methods: ['password'],
          password: {
            user: { name: credentials.username, domain: { name: credentials.userDomain }, password: credentials.password },
          },
        };
  const scope =
    credentials.kind === 'password'
      ? {
          scope: {
            project:
              'id' in credentials.project
                ? { id: credentials.project.id }
                : { name: credentials.project.name, domain: { name: credentials.project.domain } },
          },
        }
      : {};
  const response = await fetchImpl(`${keystoneV3(credentials.authUrl)}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity, ...scope } }),
  });
  if (response.status !== 201) {
    throw new OpenStackApiError(`Keystone refused the credentials: HTTP ${response.status} ${await response.text()}`);
  }
  const token = response.headers.get('x-subject-token');
  if (!token) throw new OpenStackApiError('Keystone answered without an X-Subject-Token header');
  const body = (await response.json()) as { token?: { catalog?: CatalogEntry[] } };
  const catalog = body.token?.catalog ?? [];
  return {
    token,
    endpoint(type: string): string {
      const endpoints = catalog.find((c) => c.type === type)?.endpoints ?? [];
      const inRegion = endpoints.filter(
        (e) => e.interface === 'public' && (!credentials.region || (e.region_id ?? e.region) === credentials.region),
      );
      const url = inRegion[0]?.url;
      if (!url) {
        throw new OpenStackApiError(
          `the service catalog has no public ${type} endpoint${credentials.region ? ` in ${credentials.region}` : ''}`,
        );
      }
      return url.replace(/\/+$/, '').replace(/\/v2(\.0)?$/, '');
    },
  };
}

async function getJson(session: Session, url: string, fetchImpl: typeof fetch): Promise<Tree> {
  const response = await fetchImpl(url, { headers: { 'x-auth-token': session.token, accept: 'application/json' } });
  if (!response.ok) throw new OpenStackApiError(`GET ${url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as Tree;
}

/** An image that a name resolves to. */
export interface ResolvedImage {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

/** The newest active Glance image of that exact name: what `most_recent = true` would pick today. */
export async function newestImage(session: Session, name: string, fetchImpl: typeof fetch = fetch): Promise<ResolvedImage> {
  const query = new URLSearchParams({ name, status: 'active', sort: 'created_at:desc', limit: '1' });
  const body = await getJson(session, `${session.endpoint('image')}/v2/images?${query}`, fetchImpl);
  const [image] = (body.images ?? []) as { id: string; name: string; created_at: string }[];
  if (!image) throw new OpenStackApiError(`Glance has no active image named "${name}"`);
  return { id: image.id, name: image.name, createdAt: image.created_at };
}

/** The id of the one Neutron network of that name; more than one is an error, since the name would not say which. */
export async function networkId(session: Session, name: string, fetchImpl: typeof fetch = fetch): Promise<string> {
  const body = await getJson(session, `${session.endpoint('network')}/v2.0/networks?${new URLSearchParams({ name })}`, fetchImpl);
  const networks = (body.networks ?? []) as { id: string }[];
  if (networks.length !== 1) {
    throw new OpenStackApiError(
      networks.length === 0
        ? `Neutron has no network named "${name}"`
        : `Neutron has ${networks.length} networks named "${name}" (${networks.map((n) => n.id).join(', ')}): set openstack.networkId by hand`,
    );
  }
  return networks[0]?.id ?? '';
}
