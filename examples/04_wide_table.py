"""The wide table: one row per report, one column per cell, names usable unquoted. (pandas)

    python examples/04_wide_table.py [DATASET]

Share of applications granted (（一）予以公开 / （七）总计) per agency and year, for the reports
the panel chose; and how sure each number is (`cells.status`).
"""
import sys

import pandas as pd

dataset = sys.argv[1] if len(sys.argv) > 1 else "data/out"
wide = pd.read_parquet(f"{dataset}/cells_wide.parquet")
# join on `document`, the key of a report: byte-identical copies share `report_id`
panel = pd.read_parquet(f"{dataset}/panel.parquet", columns=["document"])
chosen = wide.merge(panel, on="document")
chosen = chosen.assign(
    granted_share=chosen.s3_granted_total / chosen.s3_results_total_total.where(chosen.s3_results_total_total > 0)
)
print(chosen[["agency", "report_year", "s3_granted_total", "s3_results_total_total", "granted_share"]]
      .sort_values(["agency", "report_year"]).to_string(index=False))

cells = pd.read_parquet(f"{dataset}/cells.parquet", columns=["key", "status"])
print("\nHow each number came to be:")
print(cells.status.value_counts().to_string())
assert len(chosen) > 0
# one row per agency and year: no double counting (issue 29.1)
assert not chosen.duplicated(["agency_key", "report_year"]).any()
assert len(chosen) == len(panel)
