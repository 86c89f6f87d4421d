"""Scale-out on Ray Data (issue 15): `read_binary_files` → `map_batches` with
`nianbao.read_document` → the `cells` table as Parquet (with `report_year`), readable by the
same clients as `nianbao build`'s output.

    python examples/ray_build.py INPUT OUTPUT [--check DATASET]

With `--check DATASET` (a `nianbao build` of the same folder) it asserts that both hold the
same cells (CI runs it on the sample corpus, locally).
"""
import os
import sys

import pyarrow as pa
import pyarrow.dataset as ds
import ray

import nianbao


def cells_of(batch: pa.Table, root: str) -> pa.Table:
    out = []
    for path, content in zip(batch.column("path").to_pylist(), batch.column("bytes").to_pylist()):
        name = os.path.relpath(path, root)
        t = nianbao.read_document(content, name=name)
        year = t["reports"].column("report_year")[0].as_py()
        c = t["cells"].select(["report_id", "document", "key", "value", "raw", "status", "source"])
        out.append(c.append_column("report_year", pa.array([year] * c.num_rows, pa.int32())))
    return pa.concat_tables(out) if out else pa.table({})


def main():
    src, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    check = sys.argv[sys.argv.index("--check") + 1] if "--check" in sys.argv else None
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    files = ray.data.read_binary_files(src, include_paths=True)
    cells = files.map_batches(lambda b: cells_of(b, src), batch_format="pyarrow", batch_size=64)
    cells.write_parquet(out)
    ray.shutdown()
    got = ds.dataset(out, format="parquet").to_table()
    print(f"ray wrote {got.num_rows} cells of {len(set(got.column('document').to_pylist()))} documents")
    if check:
        want = ds.dataset(os.path.join(check, "cells.parquet"), format="parquet").to_table()
        key = lambda t: sorted(zip(*(t.column(c).to_pylist() for c in ("document", "key", "value", "status"))), key=repr)
        assert key(got) == key(want), "Ray's cells differ from nianbao build's"
        print("the same cells as nianbao build")


if __name__ == "__main__":
    main()
