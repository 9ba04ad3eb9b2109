import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appPort, imageRef, loadConfig } from '@stratus/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCharts } from '../../packages/k8s/src/synth.ts';
import { appBuilds, DOCKERFILE, manifestBaseImages, qualifiedRef } from '../../scripts/images.ts';
import { buildah, type ContainerProps, imageConfig, OciContainer, resolveUser } from '../support/oci-container.ts';
import { rig } from '../support/rig.ts';

/** The config the rig builds for: stand-ins cannot carry the upstream digests, so images go by tag. */
const config = loadConfig({ env: { ...process.env, STRATUS_IMAGES__PIN_DIGESTS: 'false' } });
/** The apps of apps/Dockerfile, which run as their base image's user renumbered to images.uids. */
const APPS = appBuilds(config)
  .filter((b) => b.dockerfile === DOCKERFILE)
  .map((b) => b.app);
/** What the rig does not build (docs/images.md, "Not built"); it says so and builds the rest. */
const UNAVAILABLE = ['grafana/grafana', 'registry.k8s.io/kube-state-metrics/kube-state-metrics'];
/**
 * The uid each upstream image runs as by default (postgres starts as root and drops to its postgres user, 999;
 * chrislusf/seaweedfs to its seaweed user, 1000).
 */
const UPSTREAM_USERS: Record<string, number | undefined> = {
  postgres: 0,
  'chrislusf/seaweedfs': 0,
  'apache/kafka': 1000,
  'prom/prometheus': 65534,
  'prom/node-exporter': 65534,
};

interface ManifestContainer {
  readonly name: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: { name: string; value?: string; valueFrom?: unknown }[];
  readonly securityContext?: { runAsUser?: number; runAsGroup?: number; readOnlyRootFilesystem?: boolean };
  readonly volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

/** Every container of the synthesized manifests, with the pod's security context folded in. */
function manifestContainers(): ManifestContainer[] {
  const out: ManifestContainer[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    const spec = record.spec as { securityContext?: { runAsUser?: number }; containers?: ManifestContainer[] } | undefined;
    if (spec?.containers) {
      for (const c of spec.containers) out.push({ ...c, securityContext: { ...spec.securityContext, ...c.securityContext } });
    }
    for (const value of Object.values(record)) visit(value);
  };
  for (const { chart } of buildCharts(config).files) visit(chart.toJson());
  return out;
}

const containers = manifestContainers();
/** The long-running container on `image` (not a Job's, such as the processor image's `topics` command). */
function container(image: string): ManifestContainer {
  const on = containers.filter((c) => c.image === image);
  const found = on.find((c) => !c.command?.includes('topics')) ?? on[0];
  if (!found) throw new Error(`no container in the manifests runs ${image}`);
  return found;
}

/**
 * A manifest container as the kubelet would run it: its uid, command, env, read-only root and writable mounts (a
 * Secret's mount is read-only). A secret given here as `X` is the file the manifest's `X_FILE` names, as the mounted
 * Secret would give it.
 */
function asManifest(
  image: string | ManifestContainer,
  secrets: Record<string, string> = {},
  override: Partial<ContainerProps> = {},
): ContainerProps {
  const c = typeof image === 'string' ? container(image) : image;
  const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? '']));
  const files = Object.fromEntries(
    Object.entries(secrets).map(([name, value]) => {
      const path = env[`${name}_FILE`];
      if (!path) throw new Error(`the manifest of ${c.image} reads no ${name}_FILE`);
      return [path, value];
    }),
  );
  const uid = c.securityContext?.runAsUser;
  return {
    image: c.image,
    ...(uid === undefined ? {} : { user: { uid, gid: c.securityContext?.runAsGroup ?? uid } }),
    ...(c.command ? { command: c.command } : {}),
    ...(c.args ? { args: c.args } : {}),
    env,
    readOnlyRoot: c.securityContext?.readOnlyRootFilesystem ?? false,
    writable: (c.volumeMounts ?? []).filter((m) => !m.readOnly).map((m) => m.mountPath),
    ...override,
    files: { ...files, ...override.files },
  };
}

const running: OciContainer[] = [];
function start(props: ContainerProps): OciContainer {
  const c = OciContainer.start(props);
  running.push(c);
  return c;
}

let images: string[] = [];
beforeAll(async () => {
  images = ((await rig('images')).IMAGES ?? '').split(' ');
}, 60 * 60_000);

afterAll(async () => {
  for (const c of running) await c.stop();
});

describe('the image rig', () => {
  it('builds every app image and every image the manifests run, except those no registry here has', () => {
    const wanted = [...appBuilds(config).map((b) => b.image), ...manifestBaseImages(config).keys()];
    const left = wanted.filter((ref) => UNAVAILABLE.some((repo) => ref.startsWith(`${repo}:`)));
    console.log(`not built, not to be had offline: ${left.join(', ')}`);
    expect(left).toHaveLength(UNAVAILABLE.length);
    expect(images.sort()).toEqual(
      wanted
        .filter((ref) => !left.includes(ref))
        .map(qualifiedRef)
        .sort(),
    );
  });

  it("runs each app image as its images.uids user and each other image as upstream's when nothing says otherwise", () => {
    const bases = [...manifestBaseImages(config).keys()].filter((ref) => !UNAVAILABLE.some((repo) => ref.startsWith(`${repo}:`)));
    const expected: [string, number | undefined][] = [
      ...APPS.map((app): [string, number | undefined] => [
        imageRef(config, app),
        app === 'frontend' ? config.images.uids.nginx : config.images.uids.node,
      ]),
      ...bases.map((ref): [string, number | undefined] => [ref, UPSTREAM_USERS[ref.slice(0, ref.lastIndexOf(':'))]]),
    ];
    for (const [image, uid] of expected) {
      const id = `stratus-uid-${process.pid}`;
      buildah('from', '--pull-never', '--name', id, image);
      try {
        expect(resolveUser(buildah('mount', id), imageConfig(image).User).uid, image).toBe(uid);
      } finally {
        buildah('rm', id);
      }
    }
  });
});

describe('postgres stand-in', () => {
  const image = `postgres:${config.versions.postgres}`;
  const password = 'pw-images-test';
  let data = '';
  beforeAll(() => {
    data = mkdtempSync(join(tmpdir(), 'stratus-pgdata-'));
    chmodSync(data, 0o777);
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

  it("initializes PGDATA from POSTGRES_* as the manifest's uid under a read-only root with only the chart's paths writable", async () => {
    const props = asManifest(image, { POSTGRES_PASSWORD: password });
    expect(props.readOnlyRoot).toBe(true);
    expect([...(props.writable ?? [])].sort()).toEqual(['/tmp', '/var/lib/postgresql/data', '/var/run/postgresql']);
    const db = start({
      ...props,
      writable: props.writable?.filter((p) => p !== '/var/lib/postgresql/data'),
      volumes: { '/var/lib/postgresql/data': data },
    });
    await db.waitFor('initdb, then ready', () =>
      /init process complete[\s\S]*ready to accept connections/.test(db.logs()) ? true : undefined,
    );
    expect(db.initUid()).toBe(props.user?.uid);
    const env = props.env ?? {};
    const psql = (host: string, sql: string, pw: string) =>
      db.exec(
        ['psql', '-h', host, '-p', env.PGPORT ?? '', '-U', env.POSTGRES_USER ?? '', '-d', env.POSTGRES_DB ?? '', '-Atc', sql],
        {
          PGPASSWORD: pw,
        },
      );
    // initdb trusts loopback, like upstream's; other addresses get the POSTGRES_HOST_AUTH_METHOD line (scram-sha-256).
    db.addAddress('10.254.0.2');
    const query = await psql('10.254.0.2', 'select current_user, current_database()', password);
    expect(query.stderr).toBe('');
    expect(query.stdout.trim()).toBe(`${env.POSTGRES_USER}|${env.POSTGRES_DB}`);
    const wrong = await psql('10.254.0.2', 'select 1', 'not-the-password');
    expect(wrong.stderr).toMatch(/password authentication failed/);
    expect((await db.exec(['touch', '/var/lib/postgresql/elsewhere'])).stderr).toMatch(/Read-only file system/);
    await db.stop();

    const again = start({
      ...props,
      writable: props.writable?.filter((p) => p !== '/var/lib/postgresql/data'),
      volumes: { '/var/lib/postgresql/data': data },
    });
    await again.waitFor('restart on the same data', () =>
      /Skipping initialization[\s\S]*ready to accept connections/.test(again.logs()) ? true : undefined,
    );
  });

  it('initializes as a uid that has no passwd entry, as a runAsUser may be', async () => {
    const db = start({
      image,
      user: { uid: 10999, gid: 10999 },
      env: { POSTGRES_HOST_AUTH_METHOD: 'trust', PGDATA: '/var/lib/postgresql/data/pgdata' },
      writable: ['/var/lib/postgresql/data', '/var/run/postgresql', '/tmp'],
    });
    await db.waitFor('initdb, then ready', () =>
      /init process complete[\s\S]*ready to accept connections/.test(db.logs()) ? true : undefined,
    );
    expect(db.initUid()).toBe(10999);
  });

  it('refuses to initialize without a password, saying what to set', async () => {
    const db = start({
      image,
      user: { uid: 999, gid: 999 },
      writable: ['/var/lib/postgresql/data', '/var/run/postgresql', '/tmp'],
    });
    await expect(db.waitFor('exit', () => undefined, 30)).rejects.toThrow(
      /exited with 1[\s\S]*You must specify POSTGRES_PASSWORD/,
    );
  });
});

describe('frontend image (nginx-unprivileged stand-in)', () => {
  it("serves the app as the manifest's uid under a read-only root with only the chart's writable paths, rendering its template", async () => {
    const image = imageRef(config, 'frontend');
    const props = asManifest(image, {}, { files: { '/etc/resolv.conf': 'nameserver 10.43.0.10\nnameserver fd00::10\n' } });
    expect(props.readOnlyRoot).toBe(true);
    expect([...(props.writable ?? [])].sort()).toEqual(['/etc/nginx/conf.d', '/tmp']);
    const web = start(props);
    const port = appPort(config, 'frontend');
    const page = await web.waitFor('index.html', async () => {
      const r = await web.http(port, '/');
      return r.status === 200 ? r.body : undefined;
    });
    expect(page).toMatch(/<title>Stratus • TodoMVC<\/title>/);
    expect(web.initUid()).toBe(props.user?.uid);
    const rendered = (await web.exec(['cat', '/etc/nginx/conf.d/default.conf'])).stdout;
    expect(rendered).toContain(`listen ${port};`);
    expect(rendered).toContain('resolver 10.43.0.10 [fd00::10] valid=10s');
    expect(rendered).toContain(`set $backend ${props.env?.BACKEND_URL};`);
    expect((await web.http(port, '/api/todos')).status).toBe(502);
    expect((await web.http(port, '/some/route')).body).toBe(page);
  });
});

describe('node app images', () => {
  for (const app of ['backend', 'producer', 'processor'] as const) {
    it(`${app} starts as its manifest's uid under a read-only root and answers on its port`, async () => {
      const props = asManifest(imageRef(config, app), app === 'backend' ? { PGPASSWORD: 'unused' } : {});
      expect(props.readOnlyRoot).toBe(true);
      const c = start(props);
      const port = appPort(config, app);
      const status = await c.waitFor(`HTTP on ${port}`, async () => {
        const r = await c.http(port, app === 'backend' ? '/healthz' : '/metrics');
        return r.status === 0 ? undefined : r.status;
      });
      expect(status).toBe(200);
      expect(c.initUid()).toBe(props.user?.uid);
      expect((await c.exec(['node', '--version'])).stdout.trim()).toBe(`v${config.versions.node}`);
    });
  }
});

describe('DuckDB app images', () => {
  for (const app of ['archiver', 'lake-batch'] as const) {
    it(`${app} loads DuckDB's httpfs, iceberg and avro extensions from the image, offline, as its manifest's uid`, async () => {
      const uid = config.images.uids.node;
      const c = start({
        image: imageRef(config, app),
        user: { uid, gid: uid },
        readOnlyRoot: true,
        writable: ['/tmp'],
        command: [
          'node',
          '--input-type=module',
          '-e',
          "const { DuckDBInstance } = await import('@duckdb/node-api'); " +
            "const db = await DuckDBInstance.create(':memory:', { extension_directory: process.env.DUCKDB_EXTENSION_DIRECTORY, autoinstall_known_extensions: 'false' }); " +
            'const c = await db.connect(); ' +
            "for (const e of ['httpfs', 'iceberg', 'avro']) await c.run('LOAD ' + e); " +
            "const r = await c.runAndReadAll(\"select count(*) from duckdb_extensions() where loaded and extension_name in ('httpfs', 'iceberg', 'avro')\"); " +
            "console.log('uid ' + process.getuid() + ' loaded ' + r.getRows()[0][0]);",
        ],
      });
      const line = await c.waitFor('the extensions', () => /uid \d+ loaded \d+/.exec(c.logs())?.[0], 60);
      expect(line).toBe(`uid ${uid} loaded 3`);
    });
  }
});

describe('lake-spark image (on the apache/spark stand-in)', () => {
  const spark = config.lake.spark.baseImage;

  it('apache/spark runs as spark (185) in /opt/spark/work-dir and its entrypoint passes other commands through', async () => {
    const image = imageConfig(spark);
    expect(image.Entrypoint).toEqual(['/opt/entrypoint.sh']);
    expect(image.WorkingDir).toBe('/opt/spark/work-dir');
    const id = `stratus-spark-${process.pid}`;
    buildah('from', '--pull-never', '--name', id, spark);
    try {
      expect(resolveUser(buildah('mount', id), image.User).uid).toBe(185);
    } finally {
      buildah('rm', id);
    }
    const c = start({
      image: spark,
      args: ['/bin/bash', '-c', 'echo "user $(id -u) $(id -un) in $PWD"; exec /opt/spark/bin/spark-submit --version'],
      writable: ['/tmp'],
    });
    const version = await c.waitFor('spark-submit --version', () => /version (\d+\.\d+\.\d+)/.exec(c.logs())?.[1], 180);
    expect(version).toBe(config.versions.spark);
    expect(c.logs()).toContain('user 185 spark in /opt/spark/work-dir');
  }, 240_000);

  it("runs a PySpark job that writes and reads an Iceberg table, as its manifest's uid under a read-only root, as the chart's submit.sh does (the entrypoint's driver mode)", async () => {
    const image = imageRef(config, 'lake-spark');
    const props = asManifest(image);
    expect(props.user?.uid).toBe(config.images.uids.spark);
    expect(props.readOnlyRoot).toBe(true);
    const job = [
      'import os',
      'from pyspark.sql import SparkSession',
      'spark = SparkSession.builder.getOrCreate()',
      "spark.sql('CREATE TABLE local.db.t (id bigint, sensor string) USING iceberg PARTITIONED BY (sensor)')",
      "spark.sql(\"INSERT INTO local.db.t VALUES (1, 'A'), (2, 'B'), (3, 'A')\")",
      "row = spark.sql('SELECT count(*), sum(id), count(distinct sensor) FROM local.db.t').first()",
      "files = spark.sql('SELECT count(*) FROM local.db.t.files').first()[0]",
      "print(f'iceberg rows={row[0]} sum={row[1]} sensors={row[2]} files={files} uid={os.getuid()}', flush=True)",
    ].join('\n');
    const conf = {
      'spark.master': 'local[1]',
      'spark.driver.host': '127.0.0.1',
      'spark.driver.memory': '512m',
      'spark.ui.enabled': 'false',
      'spark.jars.ivy': '/tmp/.ivy2',
      'spark.local.dir': '/tmp/spark',
      'spark.sql.shuffle.partitions': '1',
      'spark.sql.extensions': 'org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions',
      'spark.sql.catalog.local': 'org.apache.iceberg.spark.SparkCatalog',
      'spark.sql.catalog.local.type': 'hadoop',
      'spark.sql.catalog.local.warehouse': 'file:///tmp/warehouse',
    };
    const submit = ['/opt/entrypoint.sh', 'driver', ...Object.entries(conf).flatMap(([k, v]) => ['--conf', `${k}=${v}`])];
    const c = start({
      ...props,
      command: [
        '/bin/bash',
        '-c',
        `touch /opt/spark/work-dir/x; printf '%s\\n' "$JOB" >/tmp/job.py && exec ${submit.join(' ')} /tmp/job.py`,
      ],
      args: [],
      env: { ...props.env, JOB: job, SPARK_DRIVER_BIND_ADDRESS: '127.0.0.1' },
    });
    const line = await c.waitFor('the Iceberg job', () => /iceberg rows=.*/.exec(c.logs())?.[0], 480);
    expect(line).toBe(`iceberg rows=3 sum=6 sensors=2 files=2 uid=${config.images.uids.spark}`);
    expect(c.logs()).toMatch(/touch: cannot touch '\/opt\/spark\/work-dir\/x': Read-only file system/);
  }, 600_000);
});

describe('apache/kafka stand-in', () => {
  it('turns KAFKA_* variables into server.properties and runs a KRaft broker from /opt/kafka as appuser', async () => {
    const kafka = start({
      image: `apache/kafka:${config.versions.kafka}`,
      readOnlyRoot: false,
      env: {
        CLUSTER_ID: config.stream.kafka.clusterId,
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://localhost:9092',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_LOG_DIRS: '/var/lib/kafka/data',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
        KAFKA_HEAP_OPTS: '-Xmx384m -Xms384m',
      },
    });
    await kafka.waitFor('the broker', () => (/Kafka Server started/.test(kafka.logs()) ? true : undefined), 180);
    expect(kafka.initUid()).toBe(1000);
    const properties = (await kafka.exec(['cat', '/opt/kafka/config/server.properties'])).stdout;
    expect(properties).toContain('node.id=1\n');
    expect(properties).toContain('controller.quorum.voters=1@localhost:9093\n');
    expect(properties).not.toContain('heap');
    const topics = ['/opt/kafka/bin/kafka-topics.sh', '--bootstrap-server', 'localhost:9092'];
    expect((await kafka.exec([...topics, '--create', '--topic', 'images-test', '--partitions', '2'])).status).toBe(0);
    expect((await kafka.exec([...topics, '--describe', '--topic', 'images-test'])).stdout).toMatch(/PartitionCount:\s*2/);
  }, 300_000);
});

describe('prom/* stand-ins', () => {
  it("prometheus runs as its manifest's uid under a read-only root with only /prometheus writable and answers /-/ready", async () => {
    const image = `prom/prometheus:${config.versions.prometheus}`;
    const uid = container(image).securityContext?.runAsUser ?? -1;
    const prometheus = start({ image, user: { uid, gid: uid }, writable: ['/prometheus'] });
    const ready = await prometheus.waitFor('ready', async () =>
      (await prometheus.http(9090, '/-/ready')).status === 200 ? true : undefined,
    );
    expect(ready).toBe(true);
    expect(prometheus.initUid()).toBe(uid);
    expect((await prometheus.http(9090, '/api/v1/status/buildinfo')).body).toContain(
      `"version":"${config.versions.prometheus.replace(/^v/, '')}"`,
    );
  });

  it("node-exporter runs with its manifest's arguments and serves node metrics", async () => {
    const image = `prom/node-exporter:${config.versions.nodeExporter}`;
    const exporter = start(asManifest(image));
    const port = Number(/:(\d+)$/.exec(container(image).args?.find((a) => a.startsWith('--web.listen-address')) ?? '')?.[1]);
    const metrics = await exporter.waitFor('metrics', async () => {
      const r = await exporter.http(port, '/metrics');
      return r.status === 200 ? r.body : undefined;
    });
    expect(metrics).toContain('node_exporter_build_info');
    expect(exporter.initUid()).toBe(container(image).securityContext?.runAsUser);
  });
});

describe('chrislusf/seaweedfs stand-in', () => {
  const image = config.lake.seaweedfsCluster.image;
  const on = (name: string): ManifestContainer => {
    const found = containers.find((c) => c.image === image && c.name === name);
    if (!found) throw new Error(`no container '${name}' runs ${image} in the manifests`);
    return found;
  };
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  /**
   * A manifest container's command line as the kubelet expands it, for one pod's worth of loopback: `$(POD_IP)` is
   * 127.0.0.1 and each component gets a metrics port of its own (in the cluster each pod has its own 9327).
   */
  const commandLine = (c: ManifestContainer, metricsPort?: number) => {
    const env = Object.entries(asManifest(c).env ?? {})
      .filter(([k]) => k !== 'POD_IP')
      .map(([k, v]) => quote(`${k}=${v}`));
    const words = [...(c.command ?? []), ...(c.args ?? [])].map((w) =>
      w
        .replaceAll('$(POD_IP)', '127.0.0.1')
        .replace(/^-metricsPort=\d+$/, (m) => (metricsPort ? `-metricsPort=${metricsPort}` : m)),
    );
    return ['env', ...env, ...words.map(quote)].join(' ');
  };

  it("runs the chart's master, volume, filer, S3 gateway and table-bucket Job as their uid under a read-only root, and serves S3 and the Iceberg REST catalog", async () => {
    const [master, volume, filer, gateway, bucketJob] = ['master', 'volume', 'filer', 's3', 'table-bucket'].map(on) as [
      ManifestContainer,
      ManifestContainer,
      ManifestContainer,
      ManifestContainer,
      ManifestContainer,
    ];
    const key = 'AKIAIMAGESTEST000001';
    const secret = 'images-test-secret-key';
    const keyFile = gateway.env?.find((e) => e.name === 'AWS_ACCESS_KEY_ID_FILE')?.value ?? '';
    const secretFile = gateway.env?.find((e) => e.name === 'AWS_SECRET_ACCESS_KEY_FILE')?.value ?? '';
    expect(keyFile).toMatch(/^\/etc\/secrets\//);
    // The Services the chart's arguments name, here all on loopback.
    const services = [
      ...new Set(
        [master, volume, filer, gateway, bucketJob].flatMap((c) =>
          [...(c.command ?? []), ...(c.args ?? [])].flatMap((w) => w.match(/[a-z0-9-]+\.[a-z0-9-]+\.svc/g) ?? []),
        ),
      ),
    ];
    expect(services.length).toBeGreaterThanOrEqual(2);
    const props = asManifest(
      master,
      {},
      {
        files: { '/etc/hosts': `127.0.0.1 localhost ${services.join(' ')}\n`, [keyFile]: key, [secretFile]: secret },
      },
    );
    expect(props.readOnlyRoot).toBe(true);
    expect([...(props.writable ?? [])].sort()).toEqual(['/data', '/tmp']);
    for (const c of [volume, filer, gateway, bucketJob]) {
      expect(c.securityContext?.runAsUser, c.name).toBe(props.user?.uid);
      expect(c.securityContext?.readOnlyRootFilesystem, c.name).toBe(true);
    }
    const weed = start(props);
    await weed.waitFor('the master', async () => ((await weed.http(9333, '/cluster/status')).status === 200 ? true : undefined));
    expect(weed.initUid()).toBe(props.user?.uid);
    for (const [i, c] of [volume, filer, gateway].entries()) {
      const started = await weed.exec(['sh', '-c', `${commandLine(c, 9328 + i)} </dev/null >/tmp/${c.name}.log 2>&1 &`]);
      expect(started.status, started.stderr).toBe(0);
    }
    // The Job's own wait (`cluster.check`) passes once master and volume are up; in the cluster a failure before the
    // filer answers is retried (backoffLimit), here the filer is waited for.
    await weed.waitFor('the filer', async () =>
      (await weed.http(config.lake.seaweedfsCluster.filerPort, '/')).status === 0 ? undefined : true,
    );
    const job = await weed.exec(['sh', '-c', commandLine(bucketJob)]);
    expect(job.status, `${job.stdout}${job.stderr}`).toBe(0);

    const curl = async (...args: string[]) => {
      const r = await weed.exec(['curl', '-s', '-w', '\\n%{http_code}', ...args]);
      const cut = r.stdout.lastIndexOf('\n');
      return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
    };
    const signed = ['--aws-sigv4', `aws:amz:${config.lake.storage.region}:s3`, '--user', `${key}:${secret}`];
    const s3 = `http://127.0.0.1:${config.lake.seaweedfs.s3Port}`;
    await weed.waitFor('the S3 gateway', async () => ((await curl(`${s3}/`)).status === 403 ? true : undefined));
    const bucket = await curl(...signed, '-X', 'PUT', `${s3}/images-test`);
    expect(bucket.status, bucket.body).toBe(200);
    expect((await weed.exec(['sh', '-c', "printf 'stored on /data' >/tmp/object.txt"])).status).toBe(0);
    const put = await curl(...signed, '-T', '/tmp/object.txt', `${s3}/images-test/object.txt`);
    expect(put.status, put.body).toBe(200);
    expect(await curl(...signed, `${s3}/images-test/object.txt`)).toEqual({ status: 200, body: 'stored on /data' });
    expect((await curl('--user', `${key}:wrong`, '--aws-sigv4', signed[1] ?? '', `${s3}/images-test/object.txt`)).status).toBe(
      403,
    );

    const iceberg = `http://127.0.0.1:${config.lake.seaweedfs.icebergPort}`;
    const warehouse = config.lake.catalog.warehouse;
    const catalogConfig = await curl(`${iceberg}/v1/config?warehouse=s3://${warehouse}/`);
    expect(catalogConfig.status, catalogConfig.body).toBe(200);
    const prefix = (JSON.parse(catalogConfig.body) as { overrides?: { prefix?: string } }).overrides?.prefix ?? warehouse;
    const token = await curl(
      '-X',
      'POST',
      '--data-urlencode',
      'grant_type=client_credentials',
      '--data-urlencode',
      `client_id=${key}`,
      '--data-urlencode',
      `client_secret=${secret}`,
      `${iceberg}/v1/oauth/tokens`,
    );
    expect(token.status, token.body).toBe(200);
    const bearer = ['-H', `Authorization: Bearer ${(JSON.parse(token.body) as { access_token: string }).access_token}`];
    expect([401, 403]).toContain((await curl(`${iceberg}/v1/${prefix}/namespaces`)).status);
    const created = await curl(
      ...bearer,
      '-X',
      'POST',
      '-H',
      'Content-Type: application/json',
      '--data',
      '{"namespace":["images_test"]}',
      `${iceberg}/v1/${prefix}/namespaces`,
    );
    expect(created.status, created.body).toBe(200);
    const listed = await curl(...bearer, `${iceberg}/v1/${prefix}/namespaces`);
    expect(JSON.parse(listed.body)).toEqual({ namespaces: [['images_test']] });

    for (const port of [9327, 9328, 9329, 9330]) {
      expect((await curl(`http://127.0.0.1:${port}/metrics`)).body, `metrics on ${port}`).toMatch(/^SeaweedFS_/m);
    }
    expect((await weed.exec(['touch', '/usr/bin/elsewhere'])).stderr).toMatch(/Read-only file system/);
    expect((await weed.exec(['id', '-u'])).stdout.trim()).toBe(String(props.user?.uid));
  }, 300_000);
});
