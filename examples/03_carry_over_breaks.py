"""Whose 上年结转 does not match last year's 结转下年度? And the other cross-year checks. (DuckDB)

    python examples/03_carry_over_breaks.py [DATASET]

Cross-year findings sit on the later report and name the earlier document; `expected` is last
year's number, `actual` this year's.
"""
import sys

import duckdb

dataset = sys.argv[1] if len(sys.argv) > 1 else "data/out"
con = duckdb.connect()
con.sql(f"create view findings as select * from '{dataset}/findings.parquet'")
con.sql(f"create view reports as select * from '{dataset}/reports.parquet'")

breaks = con.sql(
    """
    select r.agency, r.report_year, f.column_label, f.expected as last_year_forward,
           f.actual as carried_over, f.message
    from findings f join reports r using (document)
    where f.rule = 'carry_over_mismatch'
    order by r.agency, r.report_year, f.key
    """
)
print("二、上年结转 that does not continue last year's 四、结转下年度:")
print(breaks)

print("Every cross-year finding, by rule:")
print(
    con.sql(
        """
        select rule, count(*) as findings, count(distinct report_id) as reports
        from findings
        where rule in ('carry_over_mismatch', 'in_force_continuity', 'items_continuity',
                       'implausible_jump', 'duplicate_report')
        group by rule order by rule
        """
    )
)
assert breaks.fetchall() is not None
