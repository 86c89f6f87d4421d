"""Scale-out on Spark (issue 15): read every report of a folder with `nianbao.read_document`
inside Spark tasks (`binaryFile` → `mapInArrow`), and write the `cells` and `reports` tables
as Parquet partitioned by report year — readable by the same clients as `nianbao build`'s
output. One machine: `nianbao build` is simpler and faster; a cluster: this.

    python examples/spark_build.py INPUT OUTPUT [--check DATASET]

With `--check DATASET` (a `nianbao build` of the same folder) it asserts that both hold the
same cells and one report row per file (CI runs it on the sample corpus in local mode).

A web page whose tables are pictures, or which wraps its report as an attachment, is one
report with those files (its members): `nianbao.pages` plans the folder on the driver, the
files are grouped by the page they belong to (`unit`), and each page is read with its
members' bytes in one task. Scanned documents and pictures are read by OCR with this
interpreter (`ocr={"python": sys.executable}`), as `nianbao build` reads them with `.venv`.
"""
import os
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
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


def units(batches, root, plan):
    """Arrow batches of (path, content, unit) rows, sorted by unit, in; each unit's tables out:
    a page read with its members, or a file alone (a pure function of the bytes)."""

    def read(unit, files):
        if unit in plan:
            members = [(m, role, files[m]) for m, role in plan[unit] if m in files]
            return nianbao.read_document(files[unit], name=unit, members=members, **SETTINGS)
        return nianbao.read_document(files[unit], name=unit, **SETTINGS)

    unit, files = None, {}
    for b in batches:
        for path, content, u in zip(*(b.column(c).to_pylist() for c in ("path", "content", "unit"))):
            if u != unit and files:
                yield read(unit, files)
                files = {}
            unit = u
            files[os.path.relpath(path.removeprefix("file:"), root)] = content
    if files:
        yield read(unit, files)


def cells_of(batches, root, plan):
    for t in units(batches, root, plan):
        year = t["reports"].column("report_year")[0]
        c = t["cells"].select(["report_id", "document", "key", "value", "raw", "status", "source"])
        c = c.append_column("report_year", pa.array([year.as_py()] * c.num_rows, pa.int32()))
        yield from c.to_batches()


def reports_of(batches, root, plan):
    for t in units(batches, root, plan):
        yield from t["reports"].select([f.name for f in REPORTS.fields]).to_batches()


# OCR with this interpreter (the one with the nianbao package and, when installed, rapidocr)
SETTINGS = {"ocr": {"python": sys.executable}}


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
    # which files are read together: a page's members go with their page
    plan = nianbao.pages(src, **SETTINGS)
    page_of = {m: page for page, ms in plan.items() for m, _ in ms}
    unit = F.udf(lambda p: (lambda r: page_of.get(r, r))(os.path.relpath(p.removeprefix("file:"), src)))
    files = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(src)
    files = files.select("path", "content").withColumn("unit", unit("path"))
    files = files.repartition(4, "unit").sortWithinPartitions("unit")
    cells = files.mapInArrow(lambda it: cells_of(it, src, plan), CELLS)
    reports = files.mapInArrow(lambda it: reports_of(it, src, plan), REPORTS)
    cells.write.mode("overwrite").partitionBy("report_year").parquet(os.path.join(out, "cells"))
    reports.write.mode("overwrite").partitionBy("report_year").parquet(os.path.join(out, "reports"))
    spark.stop()
    got = ds.dataset(os.path.join(out, "cells"), format="parquet", partitioning="hive").to_table()
    print(f"spark wrote {got.num_rows} cells of {len(set(got.column('document').to_pylist()))} documents")
    if check:
        key = lambda t, cols: sorted(zip(*(t.column(c).to_pylist() for c in cols)), key=repr)
        cols = ("document", "key", "value", "status")
        want = ds.dataset(os.path.join(check, "cells.parquet"), format="parquet").to_table()
        assert key(got, cols) == key(want, cols), "Spark's cells differ from nianbao build's"
        # one row per file, with the same identity; the members' rows say `not_a_report`
        # (statuses may differ otherwise: a task does not see the cross-report findings, and
        # Spark's binaryFile source skips empty files)
        rows = ds.dataset(os.path.join(out, "reports"), format="parquet", partitioning="hive").to_table()
        want = ds.dataset(os.path.join(check, "reports.parquet"), format="parquet").to_table()
        want = want.filter(pc.field("bytes") > 0)
        assert key(rows, ("document", "report_id")) == key(want, ("document", "report_id")), \
            "Spark's report rows differ from nianbao build's"
        members = lambda t: key(t.filter(pc.field("status") == "not_a_report"), ("document",))
        assert members(rows) == members(want), "Spark's members differ from nianbao build's"
        print(f"the same cells and report rows as nianbao build ({len(plan)} page(s) read with members)")


if __name__ == "__main__":
    main()
