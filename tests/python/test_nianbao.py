"""The Python package (issue 15.2): `pip install .` gives `nianbao.read_document`,
`nianbao.build` and the `nianbao` command, and they agree with the CLI.

Run: `.venv/bin/pip install . pytest && .venv/bin/python -m pytest tests/python` (CI does).
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import nianbao

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
NIANBAO = shutil.which("nianbao", path=os.path.dirname(sys.executable)) or "nianbao"


def cli(*args):
    out = subprocess.run([NIANBAO, *map(str, args)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("corpus")
    cli("synth", "--panel", "--output", d / "in", "--seed", "5", "--layouts", "tabbed,piped,html,docx")
    (d / "in" / "empty.txt").write_bytes(b"")
    return d


def cells_of(table):
    return {
        (r["key"]): (r["value"], r["status"])
        for r in table.select(["key", "value", "status"]).to_pylist()
    }


def test_read_document_equals_the_cli_dataset(corpus):
    out = corpus / "cli"
    summary = json.loads(cli("build", "--full", "--json", "--input", corpus / "in", "--output", out).stdout)
    cells = pq.read_table(out / "cells.parquet")
    docs = sorted(p.name for p in (corpus / "in").iterdir())
    assert summary["documents"] == len(docs)
    for name in docs:
        t = nianbao.read_document(corpus / "in" / name)
        assert set(t) == {"reports", "cells", "cells_wide", "sections", "findings", "indicators"}
        mine = cells_of(t["cells"])
        theirs = cells_of(cells.filter(pc.equal(cells["document"], name)))
        assert mine == theirs, name
        rep = t["reports"].to_pylist()[0]
        assert rep["document"] == name
        assert len(rep["report_id"]) == 16


def test_bytes_and_unreadable_documents(corpus):
    data = (corpus / "in" / "panel_a_2019_tabbed_utf8.txt").read_bytes()
    t = nianbao.read_document(data, name="a.txt")
    assert t["reports"].column("document").to_pylist() == ["a.txt"]
    assert t["reports"].column("agency_key").to_pylist() == ["430726:教育局"]
    total = t["cells"].filter(pc.equal(t["cells"]["key"], "s3.received_new.total"))
    assert total.num_rows == 1 and total.column("value")[0].as_py() > 0
    bad = nianbao.read_document(b"", name="empty.txt")
    assert bad["reports"].column("status").to_pylist() == ["unreadable"]
    assert bad["cells"].num_rows == 0


def test_build_returns_the_summary_of_the_cli(corpus, tmp_path):
    s = nianbao.build(corpus / "in", tmp_path / "out", incremental=False, formats={"csv": False})
    cli_s = json.loads(cli("build", "--full", "--json", "--input", corpus / "in", "--output", tmp_path / "cli").stdout)
    for k in ("documents", "by_status", "findings_by_rule", "failed"):
        assert s[k] == cli_s[k], k
    assert ["empty.txt", "the file is empty"] in s["unreadable"]
    assert s["notes"] == []  # nothing to say: a fresh output outside the input
    assert nianbao.TABLES == ("reports", "cells", "cells_wide", "sections", "findings", "indicators")
    assert (tmp_path / "out" / "panel.parquet").exists()
    assert not (tmp_path / "out" / "cells.csv").exists()
    # the same cells as the CLI's dataset
    a = pq.read_table(tmp_path / "out" / "cells.parquet")
    b = pq.read_table(tmp_path / "cli" / "cells.parquet")
    assert a.equals(b)


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="../shared is absent")
def test_the_seeds_read_as_the_cli_reads_them(tmp_path):
    out = tmp_path / "seeds"
    cli("build", "--full", "--input", SHARED / "seeds", "--output", out)
    cells = pq.read_table(out / "cells.parquet")
    for p in sorted((SHARED / "seeds").iterdir()):
        t = nianbao.read_document(p)
        assert cells_of(t["cells"]) == cells_of(cells.filter(pc.equal(cells["document"], p.name))), p.name
        gold = json.loads((SHARED / "expected" / (p.stem + ".json")).read_text())
        got = cells_of(t["cells"])
        for key, value in gold["values"].items():
            assert got[key][0] == value, (p.name, key)


def test_pandas_reads_a_partitioned_dataset_with_its_types(corpus, tmp_path):
    """Issue 29.5: the README's pandas line reads a partitioned dataset (reports without a year
    included) with `report_year` as integers and codes as text, and the CSV files' data package
    describes the same columns."""
    pd = pytest.importorskip("pandas")
    import pyarrow.dataset as ds

    out = tmp_path / "part"
    cli("build", "--full", "--partition-by-year", "--input", corpus / "in", "--output", out)
    # the README's lines
    years = ds.partitioning(pa.schema([("report_year", pa.int32())]), flavor="hive")
    reports = pd.read_parquet(out / "reports", partitioning=years, dtype_backend="numpy_nullable")
    cells = pd.read_parquet(out / "cells", partitioning=years, dtype_backend="numpy_nullable")
    assert str(reports["report_year"].dtype) == "Int32"
    assert reports["report_year"].isna().sum() >= 1  # empty.txt: unreadable, no year
    assert str(reports["adcode"].dtype) == "string"
    assert len(reports) == len(list((corpus / "in").iterdir()))
    assert str(cells["value"].dtype) == "Float64" and len(cells) > 0
    # every CSV partition keeps its year, and datapackage.json lists them with their types
    package = json.loads((out / "datapackage.json").read_text())
    res = {r["name"]: r for r in package["resources"]}
    fields = {f["name"]: f["type"] for f in res["reports"]["schema"]["fields"]}
    assert fields["report_year"] == "integer" and fields["adcode"] == "string"
    paths = res["reports"]["path"]
    assert all(p.startswith("csv/reports/report_year=") for p in paths)
    frame = pd.concat(
        pd.read_csv(out / p, dtype={n: str for n, t in fields.items() if t == "string"})
        for p in paths
    )
    assert len(frame) == len(reports)
    assert frame["adcode"].dropna().str.len().eq(6).all()


def grouped_read(folder):
    """What a Spark or Ray job does: `pages` plans the folder, each page is read with its
    members' bytes, every other file alone; the tables concatenated."""
    plan = nianbao.pages(folder)
    member = {m for ms in plan.values() for m, _ in ms}
    out = []
    for p in sorted(folder.rglob("*")):
        name = p.relative_to(folder).as_posix()
        if not p.is_file() or name in member:
            continue
        ms = [(m, role, (folder / m).read_bytes()) for m, role in plan.get(name, [])]
        out.append(nianbao.read_document(p.read_bytes(), name=name, members=ms))
    return {t: pa.concat_tables([o[t] for o in out]) for t in nianbao.TABLES}


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="no pdftotext (poppler-utils)")
def test_pages_with_attachments_read_as_the_cli_reads_them(tmp_path):
    """Issue 30.2 in Python: a page wrapping its report as a PDF attachment is one report with
    it, whether read by path, by bytes with its members, or grouped over a folder as Spark
    does; the attachment's row is `not_a_report` and names the page."""
    src = tmp_path / "in"
    cli("synth", "--count", "3", "--output", src, "--seed", "11", "--layouts", "attachment,tabbed")
    out = tmp_path / "cli"
    cli("build", "--full", "--input", src, "--output", out)
    cells = pq.read_table(out / "cells.parquet")
    reports = pq.read_table(out / "reports.parquet")
    plan = nianbao.pages(src)
    assert len(plan) == 2, plan  # the two attachment pages (seed 11: layouts alternate)
    for page, ms in plan.items():
        assert page.endswith(".html") and [r for _, r in ms] == ["attachment"]
        (member, _), = ms
        assert member.endswith(".pdf")
        by_path = nianbao.read_document(src / page)
        by_bytes = nianbao.read_document(
            (src / page).read_bytes(), name=page, members=[(member, "attachment", (src / member).read_bytes())]
        )
        theirs = cells_of(cells.filter(pc.equal(cells["document"], page)))
        assert len(theirs) > 100
        for t in (by_path, by_bytes):
            assert cells_of(t["cells"]) == theirs, page
            rows = t["reports"].select(["document", "report_id", "status"]).to_pylist()
            want = reports.filter(pc.is_in(reports["document"], pa.array([page, member])))
            assert sorted(rows, key=repr) == sorted(
                want.select(["document", "report_id", "status"]).to_pylist(), key=repr
            )
            assert [r["status"] for r in rows] == ["ok", "not_a_report"] or rows[0]["status"] == "warning"
        alone = nianbao.read_document(src / page, members=[])
        assert cells_of(alone["cells"]) != theirs  # the page alone has no tables
    # the whole folder, grouped as the Spark and Ray examples do, equals the build
    g = grouped_read(src)
    key = lambda t, cols: sorted(t.select(cols).to_pylist(), key=repr)
    assert key(g["cells"], ["document", "key", "value", "status"]) == key(cells, ["document", "key", "value", "status"])
    assert key(g["reports"], ["document", "report_id", "status"]) == key(reports, ["document", "report_id", "status"])
    with pytest.raises(ValueError, match="not a role"):
        nianbao.read_document(b"<html></html>", name="x.html", members=[("x.pdf", "logo", b"")])
