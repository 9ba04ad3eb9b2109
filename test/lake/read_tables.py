"""Reads the lake's tables with PyIceberg (not DuckDB, which wrote them) and prints them as one JSON document.

Usage: python read_tables.py NAMESPACE TABLE...   (catalog and S3 from ICEBERG_CATALOG_URL, ICEBERG_WAREHOUSE,
S3_ENDPOINT, S3_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)
"""

import json
import os
import sys

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.catalog.rest import RestCatalog


def catalog() -> RestCatalog:
    key, secret = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
    return RestCatalog(
        "lake",
        **{
            "uri": os.environ["ICEBERG_CATALOG_URL"],
            "warehouse": os.environ["ICEBERG_WAREHOUSE"],
            "credential": f"{key}:{secret}",
            "s3.endpoint": os.environ["S3_ENDPOINT"],
            "s3.region": os.environ["S3_REGION"],
            "s3.access-key-id": key,
            "s3.secret-access-key": secret,
            "s3.force-virtual-addressing": "false",
        },
    )


def plain(table: pa.Table) -> list[dict]:
    """Timestamps as epoch milliseconds, decimals as their exact strings, everything else as Python values."""
    columns = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_timestamp(col.type):
            col = pc.divide(pc.cast(pc.cast(col, pa.timestamp("us", tz="UTC")), pa.int64()), 1000)
        elif pa.types.is_decimal(col.type):
            col = pc.cast(col, pa.string())
        columns[name] = col
    return pa.table(columns).to_pylist()


def describe(cat: RestCatalog, namespace: str, name: str) -> dict:
    table = cat.load_table((namespace, name))
    spec = table.spec()
    schema = table.schema()
    return {
        "format_version": table.metadata.format_version,
        "schema": [{"id": f.field_id, "name": f.name, "type": str(f.field_type), "required": f.required} for f in schema.fields],
        "partition": [
            {"source": schema.find_column_name(f.source_id), "transform": str(f.transform)} for f in spec.fields
        ],
        "snapshots": len(table.metadata.snapshots),
        "files": sorted(table.inspect.files()["file_path"].to_pylist()),
        "rows": plain(table.scan().to_arrow()),
    }


def main() -> None:
    namespace, *names = sys.argv[1:]
    cat = catalog()
    json.dump({name: describe(cat, namespace, name) for name in names}, sys.stdout)


if __name__ == "__main__":
    main()
