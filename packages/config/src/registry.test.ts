import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinDigests, rewriteUpstreamDigests } from './pin-digests.ts';
import { parseImageName, resolveDigest } from './registry.ts';
import { stratusConfigSchema } from './schema.ts';

const index = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] });
const indexDigest = `sha256:${createHash('sha256').update(index).digest('hex')}`;
const headerDigest = `sha256:${'c'.repeat(64)}`;

/** A registry on loopback: docker.io-style token auth for library/postgres, an open repository without digest headers. */
let server: Server;
let base = '';
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    seen.push(`${req.method} ${url.pathname}${url.search} ${req.headers.authorization ?? ''}`.trim());
    if (url.pathname === '/token') {
      const ok =
        url.searchParams.get('service') === 'fake' && url.searchParams.get('scope') === 'repository:library/postgres:pull';
      res.writeHead(ok ? 200 : 403, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 't0k' }));
      return;
    }
    if (url.pathname === '/v2/library/postgres/manifests/15.18') {
      if (req.headers.authorization !== 'Bearer t0k') {
        res
          .writeHead(401, {
            'www-authenticate': `Bearer realm="${base}/token",service="fake",scope="repository:library/postgres:pull"`,
          })
          .end();
        return;
      }
      expect(req.headers.accept).toContain('application/vnd.oci.image.index.v1+json');
      res.writeHead(200, { 'docker-content-digest': headerDigest }).end(index);
      return;
    }
    if (url.pathname === '/v2/kube-state-metrics/kube-state-metrics/manifests/v2.17.0') {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' }).end(index);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const endpoint = () => base;

describe('parseImageName', () => {
  it('knows Docker Hub official images, Hub namespaces and other registries', () => {
    expect(parseImageName('postgres:15.18')).toEqual({ host: 'docker.io', repository: 'library/postgres', tag: '15.18' });
    expect(parseImageName('prom/prometheus:v3.7.3')).toEqual({ host: 'docker.io', repository: 'prom/prometheus', tag: 'v3.7.3' });
    expect(parseImageName('registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.17.0')).toEqual({
      host: 'registry.k8s.io',
      repository: 'kube-state-metrics/kube-state-metrics',
      tag: 'v2.17.0',
    });
    expect(parseImageName('localhost:5000/x:1').host).toBe('localhost:5000');
    expect(() => parseImageName('postgres')).toThrow(/repository:tag/);
    expect(() => parseImageName(`postgres:15@${headerDigest}`)).toThrow(/without a digest/);
  });
});

describe('resolveDigest against a registry on loopback', () => {
  it('answers the bearer challenge with an anonymous token and reads Docker-Content-Digest', async () => {
    seen.length = 0;
    expect(await resolveDigest('postgres:15.18', { endpoint })).toBe(headerDigest);
    expect(seen).toEqual([
      'GET /v2/library/postgres/manifests/15.18',
      'GET /token?service=fake&scope=repository%3Alibrary%2Fpostgres%3Apull',
      'GET /v2/library/postgres/manifests/15.18 Bearer t0k',
    ]);
  });

  it('hashes the manifest when the registry sends no digest header', async () => {
    expect(await resolveDigest('registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.17.0', { endpoint })).toBe(indexDigest);
  });

  it('names the image of a missing tag', async () => {
    await expect(resolveDigest('apache/kafka:9.9.9', { endpoint })).rejects.toThrow(
      'apache/kafka:9.9.9: the registry docker.io has no such tag',
    );
  });
});

describe('pinDigests', () => {
  it('resolves each tag, keeps the previous digest of one that fails and reports it', async () => {
    const kept = `sha256:${'d'.repeat(64)}`;
    const result = await pinDigests(
      ['postgres:15.18', 'apache/kafka:9.9.9', 'prom/x:1'],
      { 'apache/kafka:9.9.9': kept },
      { endpoint },
    );
    expect(result.digests).toEqual({ 'postgres:15.18': headerDigest, 'apache/kafka:9.9.9': kept });
    expect(result.failed.map((f) => f.ref)).toEqual(['apache/kafka:9.9.9', 'prom/x:1']);
  });
});

describe('rewriteUpstreamDigests', () => {
  it('replaces the default in the schema source with a sorted block that the schema then uses', async () => {
    const source = readFileSync(new URL('./schema.ts', import.meta.url), 'utf8');
    const digests = { 'zz/last:1': headerDigest, 'postgres:15.18': indexDigest };
    const rewritten = rewriteUpstreamDigests(source, digests);
    expect(rewritten).not.toBe(source);
    expect(rewritten).toContain(
      `            'postgres:15.18': '${indexDigest}',\n            'zz/last:1': '${headerDigest}',\n          }),`,
    );
    expect(rewriteUpstreamDigests(rewritten, stratusConfigSchema.parse({}).images.upstreamDigests)).toBe(
      rewriteUpstreamDigests(source, stratusConfigSchema.parse({}).images.upstreamDigests),
    );
    expect(() => rewriteUpstreamDigests('const x = 1;', digests)).toThrow(/cannot find/);
  });
});
