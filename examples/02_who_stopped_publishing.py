"""Which agencies stopped publishing, and who has not reported for the latest year? (polars)

    python examples/02_who_stopped_publishing.py [DATASET]

The `coverage` table says, for every agency and year from its first report to the corpus's
latest year (every year of the corpus for agencies on the pipeline's `expected_agencies` list),
whether it `reported`, published a `duplicate` or is `missing`: an agency that stopped is
`missing` for the latest year.
"""
import sys

import polars as pl

dataset = sys.argv[1] if len(sys.argv) > 1 else "data/out"
coverage = pl.read_parquet(f"{dataset}/coverage.parquet")
latest = coverage["report_year"].max()

last_report = (
    coverage.filter(pl.col("status") != "missing")
    .group_by("agency_key", "agency", "province")
    .agg(
        pl.col("report_year").min().alias("first_year"),
        pl.col("report_year").max().alias("last_year"),
    )
)
stopped = last_report.filter(pl.col("last_year") < latest).sort("last_year")
print(f"Agencies whose last report is older than {latest}:")
print(stopped)

not_yet = (
    coverage.filter((pl.col("report_year") == latest) & (pl.col("status") == "missing"))
    .select("agency_key", "agency", "province", "expected")
    .sort("agency_key")
)
print(f"\nNo report for {latest}:")
print(not_yet)

gaps = (
    coverage.filter(pl.col("status") == "missing")
    .join(last_report, on=["agency_key", "agency", "province"])
    .filter(pl.col("report_year").is_between(pl.col("first_year"), pl.col("last_year")))
    .select("agency", "report_year")
)
print("\nGaps (a year missing between two reports):")
print(gaps)
assert coverage.height > 0
# every agency that stopped has no report for the latest year (issue 29.6)
assert stopped.height > 0
assert set(stopped["agency_key"]) <= set(not_yet["agency_key"]), "a stopped agency is not listed"

