"""Which reports copy last year's text? (polars)

    python examples/05_copied_prose.py [DATASET]

`sections.similarity_prev_year` (0–1) compares each part 一–六 with the same part of the same
agency's report of the year before (the one `panel` chose); digits are ignored, so a copy that
only updates its numbers scores 1.
"""
import sys

import polars as pl

dataset = sys.argv[1] if len(sys.argv) > 1 else "data/out"
sections = pl.read_parquet(f"{dataset}/sections.parquet")
# the reports the panel chose (copies and re-publications counted once), joined on `document`
reports = (
    pl.read_parquet(f"{dataset}/reports.parquet")
    .filter(pl.col("in_panel"))
    .select("document", "agency", "agency_key", "report_year")
)
scored = sections.filter(pl.col("similarity_prev_year").is_not_null()).join(
    reports, on="document"
)
# part 五 (存在的主要问题及改进情况) is where copying says the most
problems = (
    scored.filter(pl.col("part") == 5)
    .group_by("agency_key")
    .agg(
        pl.col("agency").first(),
        pl.col("similarity_prev_year").mean().alias("mean_similarity"),
        (pl.col("similarity_prev_year") >= 0.9).sum().alias("years_copied"),
        pl.len().alias("years_compared"),
    )
    .sort("mean_similarity", descending=True)
)
print("Part 五 compared with the year before, per agency:")
print(problems)
print("\nMean similarity per part:")
print(scored.group_by("part").agg(pl.col("similarity_prev_year").mean()).sort("part"))
assert problems.height > 0
# each agency's years compared are distinct years (issue 29.1: no copy counted twice)
per_year = scored.filter(pl.col("part") == 5).group_by("agency_key", "report_year").len()
assert per_year["len"].max() == 1
