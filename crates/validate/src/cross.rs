//! Cross-report checks over the whole dataset, where a dataframe is the natural tool:
//! duplicates (same content, or same agency and year) and the carry-over chain between
//! consecutive years of one agency (四、结转下年度 of year N = 二、上年结转 of year N+1).

use nianbao_normalize::Finding;
use polars::prelude::*;

/// One report's facts needed across reports.
#[derive(Debug, Clone, Default)]
pub struct ReportFacts {
    /// Report id.
    pub report_id: String,
    /// Document path.
    pub document: String,
    /// Content hash.
    pub sha256: String,
    /// Agency.
    pub agency: Option<String>,
    /// Report year.
    pub report_year: Option<i32>,
    /// `s3.carried_forward.total`.
    pub carried_forward: Option<f64>,
    /// `s3.carried_over.total`.
    pub carried_over: Option<f64>,
}

/// The reports with an agency and a year, with `n` (distinct contents of that agency-year)
/// and `first` (its first document path).
fn per_agency_year(df: &DataFrame) -> PolarsResult<DataFrame> {
    df.clone()
        .lazy()
        .filter(
            col("agency")
                .is_not_null()
                .and(col("report_year").is_not_null()),
        )
        .with_columns([
            col("sha256")
                .n_unique()
                .over([col("agency"), col("report_year")])?
                .alias("n"),
            col("document")
                .min()
                .over([col("agency"), col("report_year")])?
                .alias("first"),
        ])
        .collect()
}

/// Runs the cross-report checks. Returns `(report_id, finding)` pairs, sorted by report id.
pub fn cross_report(facts: &[ReportFacts]) -> Result<Vec<(String, Finding)>, super::ValidateError> {
    let mut out = Vec::new();
    if facts.is_empty() {
        return Ok(out);
    }
    let df = df!(
        "report_id" => facts.iter().map(|f| f.report_id.clone()).collect::<Vec<_>>(),
        "document" => facts.iter().map(|f| f.document.clone()).collect::<Vec<_>>(),
        "sha256" => facts.iter().map(|f| f.sha256.clone()).collect::<Vec<_>>(),
        "agency" => facts.iter().map(|f| f.agency.clone()).collect::<Vec<_>>(),
        "report_year" => facts.iter().map(|f| f.report_year).collect::<Vec<_>>(),
        "carried_forward" => facts.iter().map(|f| f.carried_forward).collect::<Vec<_>>(),
        "carried_over" => facts.iter().map(|f| f.carried_over).collect::<Vec<_>>(),
    )?;

    // Same content twice.
    let dup = df
        .clone()
        .lazy()
        .with_columns([
            len().over([col("sha256")])?.alias("n"),
            col("document").min().over([col("sha256")])?.alias("first"),
        ])
        .filter(col("n").gt(lit(1)).and(col("document").neq(col("first"))))
        .select([col("report_id"), col("document"), col("first")])
        .collect()?;
    for i in 0..dup.height() {
        let rid = str_at(&dup, "report_id", i)?;
        let first = str_at(&dup, "first", i)?;
        out.push((
            rid,
            Finding::new("duplicate_report", format!("same content as {first}")),
        ));
    }

    // Same agency and year, different content.
    let by_agency_year = per_agency_year(&df)?;
    let same = by_agency_year
        .clone()
        .lazy()
        .filter(col("n").gt(lit(1)).and(col("document").neq(col("first"))))
        .select([
            col("report_id"),
            col("first"),
            col("agency"),
            col("report_year"),
        ])
        .collect()?;
    for i in 0..same.height() {
        let rid = str_at(&same, "report_id", i)?;
        let first = str_at(&same, "first", i)?;
        let agency = str_at(&same, "agency", i)?;
        out.push((
            rid,
            Finding::new(
                "duplicate_report",
                format!(
                    "{first} is also the {agency} report for the same year, with different content"
                ),
            ),
        ));
    }

    // Carry-over chain: year N's carried_forward vs year N+1's carried_over. Only agency-years
    // with one report (one content; the first path of identical copies) take part, so the
    // join is one-to-one: linear in the corpus, and never a guess between two reports.
    let single = by_agency_year
        .lazy()
        .filter(col("n").eq(lit(1)).and(col("document").eq(col("first"))))
        .collect()?;
    let df = single;
    let prev = df.clone().lazy().select([
        col("agency"),
        (col("report_year") + lit(1)).alias("report_year"),
        col("carried_forward").alias("prev_forward"),
        col("document").alias("prev_document"),
    ]);
    let chain = df
        .lazy()
        .join(
            prev,
            [col("agency"), col("report_year")],
            [col("agency"), col("report_year")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(
            col("prev_forward")
                .is_not_null()
                .and(col("carried_over").is_not_null())
                .and(col("prev_forward").neq(col("carried_over"))),
        )
        .select([
            col("report_id"),
            col("prev_document"),
            col("prev_forward"),
            col("carried_over"),
            col("report_year"),
        ])
        .collect()?;
    for i in 0..chain.height() {
        let rid = str_at(&chain, "report_id", i)?;
        let prev_doc = str_at(&chain, "prev_document", i)?;
        let pf = chain.column("prev_forward")?.f64()?.get(i);
        let co = chain.column("carried_over")?.f64()?.get(i);
        let year = chain
            .column("report_year")?
            .i32()?
            .get(i)
            .unwrap_or_default();
        out.push((
            rid,
            Finding::new(
                "carry_over_mismatch",
                format!(
                    "二、上年结转 总计 of {year} is {} but 四、结转下年度 总计 of {} ({prev_doc}) is {}",
                    co.unwrap_or_default(),
                    year - 1,
                    pf.unwrap_or_default()
                ),
            )
            .at_key("s3.carried_over.total")
            .numbers(pf, co),
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.message.cmp(&b.1.message)));
    Ok(out)
}

fn str_at(df: &DataFrame, name: &str, i: usize) -> Result<String, PolarsError> {
    Ok(df
        .column(name)?
        .str()?
        .get(i)
        .unwrap_or_default()
        .to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(id: &str, sha: &str, agency: &str, year: i32, fwd: f64, over: f64) -> ReportFacts {
        ReportFacts {
            report_id: id.into(),
            document: format!("{id}.txt"),
            sha256: sha.into(),
            agency: Some(agency.into()),
            report_year: Some(year),
            carried_forward: Some(fwd),
            carried_over: Some(over),
        }
    }

    #[test]
    fn finds_duplicates_and_broken_carry_over() {
        let facts = [
            fact("a", "h1", "甲局", 2022, 3.0, 0.0),
            fact("b", "h2", "甲局", 2023, 1.0, 2.0), // 2022 carried 3 forward, 2023 says 2 carried over
            fact("c", "h2", "甲局", 2023, 1.0, 2.0), // same content as b
            fact("d", "h4", "乙局", 2023, 0.0, 0.0),
        ];
        let out = cross_report(&facts).unwrap();
        let rules: Vec<(&str, &str)> = out.iter().map(|(id, f)| (id.as_str(), f.rule)).collect();
        assert!(rules.contains(&("c", "duplicate_report")), "{rules:?}");
        assert!(rules.contains(&("b", "carry_over_mismatch")), "{rules:?}");
        let f = out
            .iter()
            .find(|(id, f)| id == "b" && f.rule == "carry_over_mismatch")
            .unwrap();
        assert_eq!((f.1.expected, f.1.actual), (Some(3.0), Some(2.0)));
        assert!(
            !rules.iter().any(|(id, _)| *id == "d" || *id == "a"),
            "{rules:?}"
        );
    }

    #[test]
    fn the_carry_over_chain_skips_years_with_several_reports_and_stays_linear() {
        // 2022 has two different reports: no chain from it (the duplicate finding says why)
        let mut facts = vec![
            fact("a", "h1", "甲局", 2022, 3.0, 0.0),
            fact("b", "h2", "甲局", 2022, 5.0, 0.0),
            fact("c", "h3", "甲局", 2023, 1.0, 2.0),
        ];
        // many reports of one agency and year would make a many-to-many join explode
        for i in 0..3000 {
            facts.push(fact(
                &format!("x{i}"),
                &format!("s{i}"),
                "丙局",
                2020,
                1.0,
                1.0,
            ));
            facts.push(fact(
                &format!("y{i}"),
                &format!("t{i}"),
                "丙局",
                2021,
                1.0,
                9.0,
            ));
        }
        let out = cross_report(&facts).unwrap();
        assert!(
            !out.iter().any(|(_, f)| f.rule == "carry_over_mismatch"),
            "{out:?}"
        );
        assert_eq!(out.len(), 1 + 2 * 2999);
    }
}
