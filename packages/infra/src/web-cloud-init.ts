import { type AppName, imageRef, type StratusConfig, upstreamRef } from '@stratus/config';
import { stringify } from 'yaml';
import { BOOT_DIR, bootFiles } from './boot-scripts.ts';
import { type CloudConfig, metadataFirewall } from './cloud-init.ts';

/** Where the compose project lives on the web server; the boot script writes its `.env` (version, password) there. */
export const APP_DIR = '/opt/stratus';
/** The mount point of the web server's data volume; PostgreSQL keeps its data below it. */
export const DATA_DIR = '/var/lib/stratus';
/** PostgreSQL's data directory on the volume, mounted as the container's `PGDATA` and owned by `images.uids.postgres`. */
export const POSTGRES_DIR = `${DATA_DIR}/postgres`;

/**
 * `ghcr.io/<owner>/<app>:${APP_VERSION}`: the tag is filled in on the server from the version Terraform passes, so that
 * `app_version` can roll the server back; a release digest would pin one version, so none is added here.
 */
export function versionedImage(config: StratusConfig, app: AppName): string {
  const [ref = ''] = imageRef(config, app).split('@');
  return `${ref.slice(0, ref.lastIndexOf(':'))}:\${APP_VERSION}`;
}

/** The compose project: PostgreSQL on the data volume, the backend, and the frontend on port 80 proxying /api to the backend. */
export function composeFile(config: StratusConfig): string {
  const { backend, frontend, database } = config.todo;
  const project = {
    name: 'stratus',
    services: {
      [database.service]: {
        image: upstreamRef(config, 'postgres'),
        // The uid the cluster runs PostgreSQL as too; the image's entrypoint accepts any uid that owns PGDATA.
        user: `${config.images.uids.postgres}:${config.images.uids.postgres}`,
        restart: 'always',
        environment: {
          POSTGRES_DB: database.name,
          POSTGRES_USER: database.user,
          POSTGRES_PASSWORD: `\${POSTGRES_PASSWORD}`,
          PGDATA: '/var/lib/postgresql/data',
        },
        volumes: [`${POSTGRES_DIR}:/var/lib/postgresql/data`],
        healthcheck: {
          test: ['CMD-SHELL', `pg_isready -U ${database.user} -d ${database.name}`],
          interval: '5s',
          timeout: '3s',
          retries: 60,
        },
      },
      [backend.service]: {
        image: versionedImage(config, 'backend'),
        restart: 'always',
        environment: {
          PORT: String(backend.port),
          PGHOST: database.service,
          PGPORT: String(database.port),
          PGUSER: database.user,
          PGPASSWORD: `\${POSTGRES_PASSWORD}`,
          PGDATABASE: database.name,
          LOG_LEVEL: 'info',
        },
        depends_on: { [database.service]: { condition: 'service_healthy' } },
      },
      [frontend.service]: {
        image: versionedImage(config, 'frontend'),
        restart: 'always',
        environment: { BACKEND_URL: `http://${backend.service}:${backend.port}` },
        ports: [`80:${frontend.port}`],
        depends_on: [backend.service],
      },
    },
  };
  return stringify(project, { lineWidth: 0 });
}

/** The systemd unit that runs the compose project once the data volume is mounted, at boot and on every reboot. */
export function appUnit(): string {
  return [
    '[Unit]',
    'Description=Stratus todo app (docker compose)',
    'Requires=docker.service',
    'After=docker.service network-online.target',
    'Wants=network-online.target',
    `RequiresMountsFor=${DATA_DIR}`,
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    `WorkingDirectory=${APP_DIR}`,
    'ExecStart=/usr/bin/docker compose up --detach --remove-orphans',
    'ExecStop=/usr/bin/docker compose down',
    'TimeoutStartSec=900',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/**
 * The web server: the metadata service closed, Docker from Ubuntu's packages, the compose project and its unit, then
 * the boot script (which makes the database password on the volume on first use, so no password is ever in metadata).
 */
export function webCloudConfig(config: StratusConfig): CloudConfig {
  return {
    bootCommands: metadataFirewall(),
    packages: ['docker.io', 'docker-compose-v2'],
    files: [
      ...bootFiles('web'),
      { path: `${APP_DIR}/compose.yaml`, content: composeFile(config) },
      { path: '/etc/systemd/system/stratus-app.service', content: appUnit() },
    ],
    commands: [['bash', `${BOOT_DIR}/web.sh`, String(config.images.uids.postgres)]],
  };
}
