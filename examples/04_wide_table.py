"""The wide table: one row per report, one column per cell, names usable unquoted. (pandas)

    python examples/04_wide_table.py [DATASET]

Share of applications granted (（一）予以公开 / （七）总计) per agency and year, for the reports
the panel chose; and how sure each number is (`cells.status`).
"""
import sys

import pandas as pd

dataset = sys.argv[1] if len(sys.argv) > 1 else "data/out"
wide = pd.read_parquet(f"{dataset}/cells_wide.parquet")
panel = pd.read_parquet(f"{dataset}/panel.parquet", columns=["report_id"])
chosen = wide.merge(panel, on="report_id")
chosen = chosen.assign(
    granted_share=chosen.s3_granted_total / chosen.s3_results_total_total.where(chosen.s3_results_total_total > 0)
)
print(chosen[["agency", "report_year", "s3_granted_total", "s3_results_total_total", "granted_share"]]
      .sort_values(["agency", "report_year"]).to_string(index=False))

cells = pd.read_parquet(f"{dataset}/cells.parquet", columns=["key", "status"])
print("\nHow each number came to be:")
print(cells.status.value_counts().to_string())
assert len(chosen) > 0
