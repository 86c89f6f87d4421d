"""Scale-out on Spark (issue 15): read every report of a folder with `nianbao.read_document`
inside Spark tasks (`binaryFile` → `mapInArrow`), and write the `cells` and `reports` tables
as Parquet partitioned by report year — readable by the same clients as `nianbao build`'s
output. One machine: `nianbao build` is simpler and faster; a cluster: this.

    python examples/spark_build.py INPUT OUTPUT [--check DATASET]

With `--check DATASET` (a `nianbao build` of the same folder) it asserts that both hold the
same cells (CI runs it on the sample corpus in local mode).
"""
import os
import sys

import pyarrow as pa
import pyarrow.dataset as ds
from pyspark.sql import SparkSession
from pyspark.sql import types as T

import nianbao

CELLS = T.StructType(
    [
        T.StructField("report_id", T.StringType(), False),
        T.StructField("document", T.StringType(), False),
        T.StructField("key", T.StringType(), False),
        T.StructField("value", T.DoubleType(), True),
        T.StructField("raw", T.StringType(), True),
        T.StructField("status", T.StringType(), False),
        T.StructField("source", T.StringType(), True),
        T.StructField("report_year", T.IntegerType(), True),
    ]
)
REPORTS = T.StructType(
    [
        T.StructField("report_id", T.StringType(), False),
        T.StructField("document", T.StringType(), False),
        T.StructField("agency", T.StringType(), True),
        T.StructField("agency_key", T.StringType(), True),
        T.StructField("province", T.StringType(), True),
        T.StructField("adcode", T.StringType(), True),
        T.StructField("template", T.StringType(), True),
        T.StructField("status", T.StringType(), False),
        T.StructField("report_year", T.IntegerType(), True),
    ]
)


def tables(batches, root):
    """One Arrow batch of files in, the documents' tables out (a pure function of the bytes)."""
    for b in batches:
        for path, content in zip(b.column("path").to_pylist(), b.column("content").to_pylist()):
            name = os.path.relpath(path.removeprefix("file:"), root)
            yield name, nianbao.read_document(content, name=name)


def cells_of(batches, root):
    for _, t in tables(batches, root):
        year = t["reports"].column("report_year")[0]
        c = t["cells"].select(["report_id", "document", "key", "value", "raw", "status", "source"])
        c = c.append_column("report_year", pa.array([year.as_py()] * c.num_rows, pa.int32()))
        yield from c.to_batches()


def reports_of(batches, root):
    for _, t in tables(batches, root):
        yield from t["reports"].select([f.name for f in REPORTS.fields]).to_batches()


def main():
    src, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    check = sys.argv[sys.argv.index("--check") + 1] if "--check" in sys.argv else None
    # the workers run this interpreter (the one with the nianbao package)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("nianbao")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    files = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(src)
    files = files.select("path", "content").repartition(4)
    cells = files.mapInArrow(lambda it: cells_of(it, src), CELLS)
    reports = files.mapInArrow(lambda it: reports_of(it, src), REPORTS)
    cells.write.mode("overwrite").partitionBy("report_year").parquet(os.path.join(out, "cells"))
    reports.write.mode("overwrite").partitionBy("report_year").parquet(os.path.join(out, "reports"))
    spark.stop()
    got = ds.dataset(os.path.join(out, "cells"), format="parquet", partitioning="hive").to_table()
    print(f"spark wrote {got.num_rows} cells of {len(set(got.column('document').to_pylist()))} documents")
    if check:
        want = ds.dataset(os.path.join(check, "cells.parquet"), format="parquet").to_table()
        key = lambda t: sorted(zip(*(t.column(c).to_pylist() for c in ("document", "key", "value", "status"))), key=repr)
        assert key(got) == key(want), "Spark's cells differ from nianbao build's"
        print("the same cells as nianbao build")


if __name__ == "__main__":
    main()
