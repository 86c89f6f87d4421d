"""How many information-disclosure applications did county-level governments of a province
receive, year by year? (pandas)

    python examples/01_applications_by_county.py [DATASET] [PROVINCE]

The `panel` table has one row per agency and year, with the report chosen for it, the region
columns and the headline figures under names usable as attributes.
"""
import sys

import pandas as pd

dataset = sys.argv[1] if len(sys.argv) > 1 else "data/out"
province = sys.argv[2] if len(sys.argv) > 2 else "甘肃省"

panel = pd.read_parquet(f"{dataset}/panel.parquet")
# county-level governments: the agency key's name part is 政府 or 政府办公室
county_gov = panel[
    (panel.province == province)
    & (panel.admin_level == "county")
    & panel.agency_key.str.split(":").str[1].isin(["政府", "政府办公室"])
]
by_year = (
    county_gov.groupby("report_year")
    .agg(agencies=("agency_key", "nunique"), received=("s3_received_new_total", "sum"))
    .reset_index()
)
print(f"Applications received by county-level governments of {province}:")
print(by_year.to_string(index=False))
assert len(by_year) > 0, f"no county-level government of {province} in {dataset}"
assert (by_year.received >= 0).all()
