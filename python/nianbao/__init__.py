"""nianbao from Python: read one report into Arrow tables, or build a whole dataset.

    import nianbao
    tables = nianbao.read_document("report.pdf")      # {"reports": pyarrow.Table, "cells": …}
    summary = nianbao.build("reports/", "dataset/")    # the same dict as `nianbao build --json`
    nianbao.pages("reports/")                          # {"a.html": [("a_files/t1.png", "part 2")]}

The work is done by the Rust pipeline (the `nianbao` command is installed too); tables are
handed over through the Arrow C Data Interface, without copying through Python objects.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import pyarrow as pa

from . import _nianbao

__version__ = _nianbao.__version__
__all__ = ["read_document", "pages", "build", "__version__"]

TABLES = tuple(_nianbao.TABLES)


def read_document(
    path_or_bytes: Union[str, os.PathLike, bytes],
    name: Optional[str] = None,
    members: Optional[Sequence[Tuple[str, str, bytes]]] = None,
    **settings: Any,
) -> Dict[str, pa.Table]:
    """Reads one document (a path, or its bytes) into its tables: ``reports``, ``cells``,
    ``cells_wide``, ``sections``, ``findings``, ``indicators`` (``pyarrow.Table`` each; the columns of the
    dataset's tables, see DATA_DICTIONARY.md). ``name`` is what the ``document`` column shows
    (default: the path's file name, or ``document`` for bytes). ``settings`` are pipeline settings, e.g.
    ``pdf={"program": "pdftotext"}`` or ``ocr={"python": ".venv/bin/python"}``. Never raises
    for a bad document: it is one ``reports`` row with status ``unreadable`` and the reason.
    Cross-report findings and ``sections.similarity_prev_year`` need a whole corpus: use
    :func:`build`.

    A web page whose tables are pictures, which wraps its report as an attachment, or which
    gives its prose and links its tables (or the same report) as an attachment, is read
    with those files (its *members*) as one report, as :func:`build` reads it: ``reports``
    then holds the page's row and one row per member with status ``not_a_report``. Given a
    path, the members are found in the page's folder (``members=[]`` reads the page alone);
    given bytes, pass ``members`` as ``(name, role, bytes)`` triples, the names and roles that
    :func:`pages` gives (what a Spark or Ray task does with a page and its files, grouped)."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        data = bytes(path_or_bytes)
        name = name or "document"
    else:
        path = os.fspath(path_or_bytes)
        with open(path, "rb") as f:
            data = f.read()
        name = name or os.path.basename(path)
        if members is None:
            found = _nianbao.pages(path, _settings(settings), True)
            if found:
                folder = os.path.dirname(path)
                members = []
                for member, role in found[0][1]:
                    with open(os.path.join(folder, member), "rb") as f:
                        members.append((member, role, f.read()))
    if members:
        batches = _nianbao.read_page_bytes(
            data, name, [(m, r, bytes(b)) for m, r, b in members], _settings(settings)
        )
    else:
        batches = _nianbao.read_bytes(data, name, _settings(settings))
    return {t: pa.Table.from_batches([pa.record_batch(batches[t])]) for t in TABLES}


def pages(folder: Union[str, os.PathLike], **settings: Any) -> Dict[str, List[Tuple[str, str]]]:
    """The web pages under ``folder`` that :func:`build` reads with members (pictures of their
    tables, the attachment they wrap or that holds their tables): page → ``[(member, role), …]``, paths relative to
    ``folder`` with ``/``. Every other file is read alone. A distributed job groups each page
    with its members and reads them with ``read_document(page_bytes, name=page,
    members=[(member, role, member_bytes), …])``; a member gives no report of its own."""
    return {page: list(ms) for page, ms in _nianbao.pages(os.fspath(folder), _settings(settings), False)}


def _settings(settings: Dict[str, Any]) -> Optional[str]:
    return json.dumps(settings) if settings else None


def build(input: Union[str, os.PathLike], output: Union[str, os.PathLike], **settings: Any) -> Dict[str, Any]:
    """Builds (or incrementally refreshes) the dataset of the reports under ``input`` into
    ``output`` — what ``nianbao build`` does — and returns the run's summary as a dict (the
    same as ``nianbao build --json``, plus ``unreadable``: ``[document, reason]`` pairs, and
    ``notes``: what the run said, e.g. that it cleaned up after a killed run).
    ``settings`` are the pipeline's (``pipelines/default.toml``): ``incremental``,
    ``partition_by_year``, ``formats={"csv": False}``, ``expected_agencies``, ``corrections``,
    ``pdf={…}``, ``ocr={…}``, …"""
    cfg = dict(settings)
    cfg["input"] = os.fspath(input)
    cfg["output"] = os.fspath(output)
    return json.loads(_nianbao.build_json(json.dumps(cfg)))
