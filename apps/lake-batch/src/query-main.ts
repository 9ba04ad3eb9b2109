import { batchConfig } from './config.ts';
import { DuckDBLake } from './duckdb-lake.ts';

/**
 * `pnpm lake:query "select ..."`: one SQL statement against the lake on DuckDB, the tables of the lake's namespace
 * reachable unqualified (`events`, `windows`, `sensor_minute`, ...); rows printed as JSON lines.
 */
async function main(argv: string[]): Promise<number> {
  const sql = argv.join(' ').trim();
  if (sql === '') {
    console.error('usage: pnpm lake:query "select sensor, count(*) from events group by sensor"');
    return 2;
  }
  const config = batchConfig();
  const lake = await DuckDBLake.open({
    lake: config.lake,
    catalog: config.names.catalog,
    extensionDirectory: config.duckdbExtensionDirectory,
  });
  try {
    await lake.run(`USE ${config.names.catalog}.${config.names.namespace}`);
    for (const row of await lake.rows(sql)) console.log(JSON.stringify(row));
    return 0;
  } finally {
    lake.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error((e as Error).message ?? e);
    process.exit(1);
  },
);
