"""The lake's table maintenance on Apache Spark with Iceberg's procedures: compacts small data files
(rewrite_data_files), expires old snapshots (expire_snapshots) and deletes files no snapshot references
(remove_orphan_files), table by table."""

import argparse
import datetime
import json
import sys

from pyspark.sql import SparkSession


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--namespace", required=True)
    parser.add_argument("--tables", required=True, help="comma list of table names")
    parser.add_argument("--snapshot-retention-hours", type=int, required=True)
    parser.add_argument("--retain-last", type=int, required=True)
    parser.add_argument("--orphan-min-age-hours", type=int, required=True)
    parser.add_argument("--target-file-size-mib", type=int, required=True)
    args = parser.parse_args()
    if args.orphan_min_age_hours < 1 or args.snapshot_retention_hours < 0 or args.retain_last < 1:
        parser.error("retention and ages must be positive")

    spark = SparkSession.builder.appName("lake-maintenance").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    now = datetime.datetime.now(datetime.timezone.utc)

    def instant(hours: int) -> str:
        return (now - datetime.timedelta(hours=hours)).strftime("%Y-%m-%d %H:%M:%S.%f+00:00")

    existing = {row["tableName"] for row in spark.sql(f"SHOW TABLES IN `{args.catalog}`.`{args.namespace}`").collect()}
    system = f"`{args.catalog}`.system"
    for table in [t for t in args.tables.split(",") if t]:
        if table not in existing:
            print(json.dumps({"table": table, "skipped": "does not exist"}))
            continue
        name = f"{args.catalog}.{args.namespace}.{table}"
        target = args.target_file_size_mib * 1024 * 1024
        rewritten = spark.sql(
            f"CALL {system}.rewrite_data_files(table => '{name}', "
            f"options => map('target-file-size-bytes', '{target}', 'min-input-files', '2', "
            f"'partial-progress.enabled', 'true'))"
        ).collect()[0]
        expired = spark.sql(
            f"CALL {system}.expire_snapshots(table => '{name}', "
            f"older_than => TIMESTAMP '{instant(args.snapshot_retention_hours)}', retain_last => {args.retain_last})"
        ).collect()[0]
        orphans = spark.sql(
            f"CALL {system}.remove_orphan_files(table => '{name}', "
            f"older_than => TIMESTAMP '{instant(args.orphan_min_age_hours)}', prefix_listing => true)"
        ).collect()
        print(
            json.dumps(
                {
                    "table": table,
                    "rewrittenDataFiles": rewritten["rewritten_data_files_count"],
                    "addedDataFiles": rewritten["added_data_files_count"],
                    "expiredDataFiles": expired["deleted_data_files_count"],
                    "expiredManifests": expired["deleted_manifest_files_count"],
                    "orphanFilesRemoved": len(orphans),
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
