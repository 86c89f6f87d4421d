"""nianbao from Python: read one report into Arrow tables, or build a whole dataset.

    import nianbao
    tables = nianbao.read_document("report.pdf")      # {"reports": pyarrow.Table, "cells": …}
    summary = nianbao.build("reports/", "dataset/")    # the same dict as `nianbao build --json`

The work is done by the Rust pipeline (the `nianbao` command is installed too); tables are
handed over through the Arrow C Data Interface, without copying through Python objects.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional, Union

import pyarrow as pa

from . import _nianbao

__version__ = _nianbao.__version__
__all__ = ["read_document", "build", "__version__"]

TABLES = tuple(_nianbao.TABLES)


def read_document(
    path_or_bytes: Union[str, os.PathLike, bytes], name: Optional[str] = None, **settings: Any
) -> Dict[str, pa.Table]:
    """Reads one document (a path, or its bytes) into its tables: ``reports``, ``cells``,
    ``cells_wide``, ``sections``, ``findings``, ``indicators`` (``pyarrow.Table`` each; the columns of the
    dataset's tables, see DATA_DICTIONARY.md). ``name`` is what the ``document`` column shows
    (default: the path, or ``document`` for bytes). ``settings`` are pipeline settings, e.g.
    ``pdf={"program": "pdftotext"}`` or ``ocr={"python": ".venv/bin/python"}``. Never raises
    for a bad document: it is one ``reports`` row with status ``unreadable`` and the reason.
    Cross-report findings and ``sections.similarity_prev_year`` need a whole corpus: use
    :func:`build`."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        data = bytes(path_or_bytes)
        name = name or "document"
    else:
        path = os.fspath(path_or_bytes)
        with open(path, "rb") as f:
            data = f.read()
        name = name or os.path.basename(path)
    batches = _nianbao.read_bytes(data, name, json.dumps(settings) if settings else None)
    return {t: pa.Table.from_batches([pa.record_batch(batches[t])]) for t in TABLES}


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
