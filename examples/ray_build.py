"""Scale-out on Ray Data (issue 15): `read_binary_files` → `map_batches` with
`nianbao.read_document` → the `cells` table as Parquet (with `report_year`), readable by the
same clients as `nianbao build`'s output.

    python examples/ray_build.py INPUT OUTPUT [--check DATASET]

With `--check DATASET` (a `nianbao build` of the same folder) it asserts that both hold the
same cells (CI runs it on the sample corpus, locally).

A web page whose tables are pictures, or which wraps its report as an attachment, is one
report with those files (its members): `nianbao.pages` plans the folder, the files are
grouped by the page they belong to (`groupby("unit").map_groups`), and each page is read with
its members' bytes. OCR runs with this interpreter, as in `spark_build.py`.
"""
import os
import sys

import pyarrow as pa
import pyarrow.dataset as ds
import ray

import nianbao


# OCR with this interpreter (the one with the nianbao package and, when installed, rapidocr)
SETTINGS = {"ocr": {"python": sys.executable}}


def with_unit(batch: pa.Table, root: str, page_of: dict) -> pa.Table:
    """Each file's unit: the page it is a member of, or itself."""
    rel = [os.path.relpath(p, root) for p in batch.column("path").to_pylist()]
    return batch.append_column("unit", pa.array([page_of.get(r, r) for r in rel], pa.string()))


def cells_of(group: pa.Table, root: str, plan: dict) -> pa.Table:
    """One unit's files (a page and its members, or a file alone) in, its cells out."""
    files = {
        os.path.relpath(p, root): b
        for p, b in zip(group.column("path").to_pylist(), group.column("bytes").to_pylist())
    }
    unit = group.column("unit")[0].as_py()
    members = [(m, role, files[m]) for m, role in plan.get(unit, []) if m in files]
    t = nianbao.read_document(files[unit], name=unit, members=members, **SETTINGS)
    year = t["reports"].column("report_year")[0].as_py()
    c = t["cells"].select(["report_id", "document", "key", "value", "raw", "status", "source"])
    return c.append_column("report_year", pa.array([year] * c.num_rows, pa.int32()))


def main():
    src, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    check = sys.argv[sys.argv.index("--check") + 1] if "--check" in sys.argv else None
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    plan = nianbao.pages(src, **SETTINGS)
    page_of = {m: page for page, ms in plan.items() for m, _ in ms}
    files = ray.data.read_binary_files(src, include_paths=True)
    files = files.map_batches(lambda b: with_unit(b, src, page_of), batch_format="pyarrow")
    cells = files.groupby("unit").map_groups(lambda g: cells_of(g, src, plan), batch_format="pyarrow")
    cells.write_parquet(out)
    ray.shutdown()
    got = ds.dataset(out, format="parquet").to_table()
    print(f"ray wrote {got.num_rows} cells of {len(set(got.column('document').to_pylist()))} documents")
    if check:
        want = ds.dataset(os.path.join(check, "cells.parquet"), format="parquet").to_table()
        key = lambda t: sorted(zip(*(t.column(c).to_pylist() for c in ("document", "key", "value", "status"))), key=repr)
        assert key(got) == key(want), "Ray's cells differ from nianbao build's"
        print(f"the same cells as nianbao build ({len(plan)} page(s) read with members)")


if __name__ == "__main__":
    main()
