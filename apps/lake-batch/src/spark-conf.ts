/** Where Spark reaches the lake; the credentials are not here: S3FileIO reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. */
export interface SparkLake {
  readonly catalog: string;
  readonly catalogUrl: string;
  readonly warehouse: string;
  readonly s3Endpoint: string;
  readonly region: string;
}

/** The Spark conf of the lake's Iceberg REST catalog with S3FileIO, Iceberg's SQL extensions and UTC. */
export function sparkLakeConf(lake: SparkLake): [string, string][] {
  const c = `spark.sql.catalog.${lake.catalog}`;
  return [
    ['spark.sql.extensions', 'org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions'],
    [c, 'org.apache.iceberg.spark.SparkCatalog'],
    [`${c}.type`, 'rest'],
    [`${c}.uri`, lake.catalogUrl],
    [`${c}.warehouse`, lake.warehouse],
    [`${c}.io-impl`, 'org.apache.iceberg.aws.s3.S3FileIO'],
    [`${c}.s3.endpoint`, lake.s3Endpoint],
    [`${c}.s3.path-style-access`, 'true'],
    [`${c}.client.region`, lake.region],
    ['spark.sql.session.timeZone', 'UTC'],
    ['spark.sql.shuffle.partitions', '8'],
  ];
}

/** Spark in local mode on this machine: the driver on loopback (it picks a non-loopback address otherwise), no UI. */
export function sparkLocalConf(): [string, string][] {
  return [
    ['spark.driver.bindAddress', '127.0.0.1'],
    ['spark.driver.host', '127.0.0.1'],
    ['spark.ui.enabled', 'false'],
    ['spark.sql.adaptive.enabled', 'true'],
  ];
}

export function confArgs(conf: readonly [string, string][]): string[] {
  return conf.flatMap(([k, v]) => ['--conf', `${k}=${v}`]);
}
