import { defaults, parseConfig } from '@stratus/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bootScript } from './boot-scripts.ts';
import { renderCloudConfig, USER_DATA_LIMIT, userDataFor } from './cloud-init.ts';
import { appUnit, composeFile, DATA_DIR, versionedImage, webCloudConfig } from './web-cloud-init.ts';

type Service = { image: string; environment: Record<string, string>; ports?: string[]; volumes?: string[] };

describe('web cloud-init', () => {
  it('installs Docker and compose from Ubuntu packages and runs the web boot script', () => {
    const cloud = webCloudConfig(defaults);
    expect(cloud.packages).toEqual(['docker.io', 'docker-compose-v2']);
    expect(cloud.commands).toEqual([['bash', '/usr/local/lib/stratus/web.sh', '10999']]);
    expect(cloud.bootCommands?.map((c) => c.join(' '))).toEqual([
      expect.stringContaining('-t raw -I OUTPUT 1 -d 169.254.169.254/32 -j DROP'),
      expect.stringContaining('-t raw -I PREROUTING 1 -d 169.254.169.254/32 -j DROP'),
    ]);
    expect(cloud.files.map((f) => f.path)).toEqual([
      '/usr/local/lib/stratus/common.sh',
      '/usr/local/lib/stratus/web.sh',
      '/opt/stratus/compose.yaml',
      '/etc/systemd/system/stratus-app.service',
    ]);
    expect(cloud.files[1]?.content).toBe(bootScript('web'));
  });

  it('runs the versioned images, PostgreSQL on the data volume, and the frontend on port 80 proxying to the backend', () => {
    const { services } = parse(composeFile(defaults)) as { services: Record<string, Service> };
    expect(Object.keys(services)).toEqual(['database', 'backend', 'frontend']);
    expect(services.database?.image).toBe(`postgres:15.18@${defaults.images.upstreamDigests['postgres:15.18']}`);
    expect(services.database?.volumes).toEqual([`${DATA_DIR}/postgres:/var/lib/postgresql/data`]);
    expect(services.database?.environment.PGDATA).toBe('/var/lib/postgresql/data');
    expect(services.backend?.image).toBe(`ghcr.io/stratus-platform/backend:\${APP_VERSION}`);
    expect(services.backend?.environment).toMatchObject({
      PORT: '3000',
      PGHOST: 'database',
      PGPASSWORD: `\${POSTGRES_PASSWORD}`,
    });
    expect(services.frontend?.image).toBe(`ghcr.io/stratus-platform/frontend:\${APP_VERSION}`);
    expect(services.frontend?.ports).toEqual(['80:8080']);
    expect(services.frontend?.environment.BACKEND_URL).toBe('http://backend:3000');
  });

  it('follows the config: registry, owner, ports and the PostgreSQL version', () => {
    const config = parseConfig({
      images: { registry: 'registry.example.org', owner: 'acme' },
      versions: { postgres: '16.4' },
      todo: { frontend: { port: 8081 } },
    });
    expect(versionedImage(config, 'backend')).toBe(`registry.example.org/acme/backend:\${APP_VERSION}`);
    const { services } = parse(composeFile(config)) as { services: Record<string, Service> };
    expect(services.database?.image).toBe('postgres:16.4');
    expect(services.frontend?.ports).toEqual(['80:8081']);
  });

  it('starts compose after the data volume is mounted', () => {
    expect(appUnit()).toContain(`RequiresMountsFor=${DATA_DIR}`);
    expect(appUnit()).toContain('ExecStart=/usr/bin/docker compose up --detach --remove-orphans');
  });

  it('keeps the database password out of user data and metadata: it is made on the volume and kept there', () => {
    const text = renderCloudConfig(webCloudConfig(defaults));
    expect(text).not.toMatch(/POSTGRES_PASSWORD=[A-Za-z0-9]/);
    const script = bootScript('web');
    expect(script).not.toContain('meta db_password');
    expect(script).toContain('password=$(keep_secret "$data/secrets/db_password")');
  });

  it('runs PostgreSQL as the configured uid and gives it the PGDATA directory, mode 0700', () => {
    expect(bootScript('web')).toContain('private_dir "$data/postgres" "$postgres_uid"');
    const config = parseConfig({ images: { uids: { postgres: 10070 } } });
    expect(webCloudConfig(config).commands[0]?.at(-1)).toBe('10070');
    const { services } = parse(composeFile(config)) as { services: Record<string, { user?: string }> };
    expect(services.database?.user).toBe('10070:10070');
  });

  it('fits the user data limit', () => {
    expect(userDataFor('web', renderCloudConfig(webCloudConfig(defaults))).length).toBeLessThan(USER_DATA_LIMIT / 10);
  });
});
