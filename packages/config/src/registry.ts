import { createHash } from 'node:crypto';

/** Where an image lives: the registry host, the repository on it, and the tag. */
export interface ImageName {
  readonly host: string;
  readonly repository: string;
  readonly tag: string;
}

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
}

const DOCKER_HUB = 'docker.io';

/** `postgres:15` is `docker.io/library/postgres:15`; a first segment with a dot, a colon or `localhost` is a registry host. */
export function parseImageName(ref: string): ImageName {
  const at = ref.lastIndexOf(':');
  if (at <= 0 || ref.slice(at).includes('/') || ref.includes('@')) {
    throw new RegistryError(`'${ref}' must be an image reference repository:tag without a digest`);
  }
  const name = ref.slice(0, at);
  const tag = ref.slice(at + 1);
  const [first = '', ...rest] = name.split('/');
  const explicitHost = rest.length > 0 && (/[.:]/.test(first) || first === 'localhost');
  const host = explicitHost ? first : DOCKER_HUB;
  const path = explicitHost ? rest.join('/') : name;
  const repository = host === DOCKER_HUB && !path.includes('/') ? `library/${path}` : path;
  return { host, repository, tag };
}

/** The media types of a multi-platform index first, then of single manifests, as `docker buildx imagetools` asks. */
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface ResolveOptions {
  /** The base URL of a registry host's HTTP API. @default https://<host>, and registry-1.docker.io for docker.io */
  readonly endpoint?: (host: string) => string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

const defaultEndpoint = (host: string) => `https://${host === DOCKER_HUB ? 'registry-1.docker.io' : host}`;

/** The anonymous pull token a `WWW-Authenticate: Bearer realm=...,service=...,scope=...` challenge asks for. */
async function bearerToken(challenge: string, repository: string, doFetch: typeof fetch): Promise<string> {
  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!/^bearer /i.test(challenge) || !params.realm) throw new RegistryError(`unsupported registry challenge '${challenge}'`);
  const url = new URL(params.realm);
  if (params.service) url.searchParams.set('service', params.service);
  url.searchParams.set('scope', params.scope ?? `repository:${repository}:pull`);
  const response = await doFetch(url);
  if (!response.ok) throw new RegistryError(`token request to ${url.origin} answered ${response.status}`);
  const body = (await response.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new RegistryError(`token response of ${url.origin} holds no token`);
  return token;
}

/**
 * The digest a registry serves for `repository:tag` (the multi-platform index when there is one), through the
 * registry HTTP API: an anonymous bearer token when challenged, then the manifest's `Docker-Content-Digest`, or the
 * sha256 of its bytes when a registry does not send that header.
 */
export async function resolveDigest(ref: string, options: ResolveOptions = {}): Promise<string> {
  const { host, repository, tag } = parseImageName(ref);
  const doFetch = options.fetch ?? globalThis.fetch;
  const url = `${(options.endpoint ?? defaultEndpoint)(host)}/v2/${repository}/manifests/${encodeURIComponent(tag)}`;
  const headers: Record<string, string> = { Accept: ACCEPT };
  let response = await doFetch(url, { headers });
  const challenge = response.headers.get('www-authenticate');
  if (response.status === 401 && challenge) {
    headers.Authorization = `Bearer ${await bearerToken(challenge, repository, doFetch)}`;
    response = await doFetch(url, { headers });
  }
  if (response.status === 404) throw new RegistryError(`${ref}: the registry ${host} has no such tag`);
  if (!response.ok) throw new RegistryError(`${ref}: the registry ${host} answered ${response.status}`);
  const digest =
    response.headers.get('docker-content-digest') ??
    `sha256:${createHash('sha256')
      .update(Buffer.from(await response.arrayBuffer()))
      .digest('hex')}`;
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new RegistryError(`${ref}: the registry sent a malformed digest '${digest}'`);
  return digest;
}
