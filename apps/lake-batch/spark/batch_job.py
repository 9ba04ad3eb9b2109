"""The lake's batch job on Apache Spark: runs the plan that apps/lake-batch generates (src/batch-plan.ts) for one
period, replacing each output table's rows of the period in one Iceberg commit per table, and exits 1 when the
window reconciliation finds a window that does not agree."""

import argparse
import datetime
import json
import sys

from pyspark.sql import SparkSession
from pyspark.sql.functions import expr


def day(text: str) -> str:
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a day such as 2026-12-01, got '{text}'")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plan", required=True, help="the plan JSON for the spark dialect")
    parser.add_argument("--from", dest="start", required=True, type=day, help="first day of the period (UTC)")
    parser.add_argument("--to", dest="end", required=True, type=day, help="the day after the period (UTC)")
    args = parser.parse_args()
    if args.end <= args.start:
        parser.error(f"'--to' ({args.end}) must be a day after '--from' ({args.start})")
    with open(args.plan, encoding="utf-8") as f:
        plan = json.load(f)

    def bind(sql: str) -> str:
        return sql.replace("{{from}}", f"TIMESTAMP '{args.start} 00:00:00+00:00'").replace(
            "{{to}}", f"TIMESTAMP '{args.end} 00:00:00+00:00'"
        )

    spark = SparkSession.builder.appName("lake-batch").getOrCreate()
    for view in plan["views"]:
        spark.sql(bind(view["select"])).cache().createOrReplaceTempView(view["name"])
    for output in plan["outputs"]:
        spark.sql(output["create"])
        spark.sql(bind(output["select"])).writeTo(output["table"]).overwrite(expr(bind(output["where"])))
    problems = spark.sql(bind(plan["problems"])).collect()[0]["problems"]
    print(json.dumps({"engine": "spark", "from": args.start, "to": args.end, "problems": problems}))
    if problems:
        for row in spark.sql(bind(plan["problemSample"])).collect():
            print(f"window reconciliation: {json.dumps(row.asDict())}", file=sys.stderr)
        print(f"{problems} windows of {args.start}..{args.end} do not agree with the events", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
