import { type StratusConfig, upstreamRef } from '@stratus/config';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { AppDeployment } from './app-deployment.ts';
import { DATASOURCE_UID, grafanaDashboards } from './grafana-dashboards.ts';
import { appLabels } from './labels.ts';
import { httpProbes } from './probes.ts';
import { PROMETHEUS_NAME, PROMETHEUS_PORT } from './prometheus.ts';
import { secretDir, secretVolumeMount } from './secret-volume.ts';

export const GRAFANA_PORT = 3000;
const DASHBOARDS_DIR = '/etc/grafana/dashboards';

export interface GrafanaProps {
  /** The validated platform config: version, resources, the admin Secret's name. */
  readonly config: StratusConfig;
}

/** Grafana with the Prometheus datasource and the dashboards provisioned from code; the admin password comes from a Secret. */
export class Grafana extends Construct {
  readonly app: AppDeployment;

  constructor(scope: Construct, id: string, props: GrafanaProps) {
    super(scope, id);
    const { config } = props;
    const version = config.versions.grafana;
    const labels = appLabels({ name: 'grafana', component: 'dashboards', partOf: 'monitoring', version });
    const provisioning = new kplus.ConfigMap(this, 'Provisioning', {
      metadata: { name: 'grafana-provisioning', labels },
      data: {
        'datasources.yaml': stringify({
          apiVersion: 1,
          datasources: [
            {
              name: 'Prometheus',
              uid: DATASOURCE_UID,
              type: 'prometheus',
              access: 'proxy',
              url: `http://${PROMETHEUS_NAME}:${PROMETHEUS_PORT}`,
              isDefault: true,
              editable: false,
            },
          ],
        }),
        'dashboards.yaml': stringify({
          apiVersion: 1,
          providers: [
            {
              name: 'stratus',
              folder: 'Stratus',
              type: 'file',
              disableDeletion: true,
              allowUiUpdates: false,
              options: { path: DASHBOARDS_DIR },
            },
          ],
        }),
      },
    });
    const dashboards = new kplus.ConfigMap(this, 'Dashboards', {
      metadata: { name: 'grafana-dashboards', labels },
      data: Object.fromEntries(
        Object.entries(grafanaDashboards(config)).map(([file, json]) => [file, `${JSON.stringify(json, null, 2)}\n`]),
      ),
    });
    const value = (v: string) => kplus.EnvValue.fromValue(v);
    this.app = new AppDeployment(this, 'App', {
      name: 'grafana',
      component: 'dashboards',
      partOf: 'monitoring',
      version,
      image: upstreamRef(config, 'grafana'),
      user: config.images.uids.grafana,
      replicas: 1,
      resources: config.monitoring.grafana,
      ports: [{ name: 'http', port: GRAFANA_PORT }],
      metricsPort: GRAFANA_PORT,
      probes: httpProbes(GRAFANA_PORT, '/api/health', '/api/health'),
      writablePaths: ['/tmp', '/var/lib/grafana'],
      env: {
        GF_SECURITY_ADMIN_USER: value('admin'),
        GF_SECURITY_ADMIN_PASSWORD__FILE: value(`${secretDir(config.monitoring.grafanaSecret)}/password`),
        GF_USERS_ALLOW_SIGN_UP: value('false'),
        GF_AUTH_ANONYMOUS_ENABLED: value('false'),
        GF_ANALYTICS_REPORTING_ENABLED: value('false'),
        GF_ANALYTICS_CHECK_FOR_UPDATES: value('false'),
        GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: value('false'),
        GF_LOG_MODE: value('console'),
        GF_PATHS_DATA: value('/var/lib/grafana'),
        GF_PATHS_PROVISIONING: value('/etc/grafana/provisioning'),
      },
      volumeMounts: [
        secretVolumeMount(this, 'Admin', config.monitoring.grafanaSecret),
        {
          path: '/etc/grafana/provisioning',
          volume: kplus.Volume.fromConfigMap(this, 'ProvisioningVolume', provisioning, {
            name: 'provisioning',
            items: {
              'datasources.yaml': { path: 'datasources/prometheus.yaml' },
              'dashboards.yaml': { path: 'dashboards/stratus.yaml' },
            },
          }),
        },
        {
          path: DASHBOARDS_DIR,
          volume: kplus.Volume.fromConfigMap(this, 'DashboardsVolume', dashboards, { name: 'dashboards' }),
        },
      ],
    });
  }
}
