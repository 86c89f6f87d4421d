//! Cross-report checks over the whole dataset, where a dataframe is the natural tool:
//! duplicates (same content, or same agency and year). The checks between an agency's years
//! are the panel's (`crate::panel`).

use nianbao_model::Finding;
use nianbao_vocab::rules::name as rule;
use polars::prelude::*;

pub use crate::panel::{Names, ReportFacts};

fn u32_at(df: &DataFrame, name: &str, i: usize) -> Result<u32, PolarsError> {
    df.column(name)?
        .u32()?
        .get(i)
        .ok_or_else(|| PolarsError::NoData(format!("null {name} in a cross-report result").into()))
}

/// One cross-report finding as numbers: a million of them fit in a few tens of megabytes.
/// [`Duplicate::finding`] writes its message when it is needed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duplicate {
    /// The document the finding is about.
    pub doc: u32,
    /// What was found.
    pub kind: CrossKind,
}

/// What a [`Duplicate`] found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CrossKind {
    /// Same bytes as the earlier document `first`.
    SameContent {
        /// The first document (in path order) with these bytes.
        first: u32,
    },
    /// Another report of the same agency and year, with different content.
    SameAgencyYear {
        /// The first document (in path order) of that agency and year.
        first: u32,
        /// The agency.
        agency: u32,
    },
}

impl Duplicate {
    /// The rule of the catalogue this finding belongs to.
    pub fn rule(&self) -> &'static str {
        match self.kind {
            CrossKind::SameContent { .. } | CrossKind::SameAgencyYear { .. } => {
                rule::DUPLICATE_REPORT
            }
        }
    }

    /// The finding, with its message written out.
    pub fn finding(&self, names: &dyn Names) -> Finding {
        match self.kind {
            CrossKind::SameContent { first } => Finding::new(
                self.rule(),
                format!("same content as {}", names.document(first)),
            ),
            CrossKind::SameAgencyYear { first, agency } => Finding::new(
                self.rule(),
                format!(
                    "{} is also the {} report for the same year, with different content",
                    names.document(first),
                    names.agency(agency)
                ),
            ),
        }
    }
}

/// Runs the cross-report checks. Returns the findings ordered by document, then rule, then
/// message (`names` is only asked for the few documents with two findings of one rule).
pub fn duplicates(
    facts: &[ReportFacts],
    names: &dyn Names,
) -> Result<Vec<Duplicate>, crate::CorpusError> {
    let mut out = Vec::new();
    if facts.is_empty() {
        return Ok(out);
    }
    let df = df!(
        "doc" => facts.iter().map(|f| f.doc).collect::<Vec<_>>(),
        "content" => facts.iter().map(|f| f.content).collect::<Vec<_>>(),
        "agency" => facts.iter().map(|f| f.agency).collect::<Vec<_>>(),
        "report_year" => facts.iter().map(|f| f.report_year).collect::<Vec<_>>(),
    )?;

    // Same content twice.
    let dup = df
        .clone()
        .lazy()
        .filter(
            col("content")
                .is_not_null()
                .and(col("doc").neq(col("content"))),
        )
        .select([col("doc"), col("content")])
        .collect()?;
    for i in 0..dup.height() {
        out.push(Duplicate {
            doc: u32_at(&dup, "doc", i)?,
            kind: CrossKind::SameContent {
                first: u32_at(&dup, "content", i)?,
            },
        });
    }
    drop(dup);

    // Same agency and year, different content: `n` distinct contents, `first` document.
    let by_agency_year = df
        .lazy()
        .filter(
            col("agency")
                .is_not_null()
                .and(col("report_year").is_not_null()),
        )
        .with_columns([
            col("content")
                .n_unique()
                .over([col("agency"), col("report_year")])?
                .alias("n"),
            col("doc")
                .min()
                .over([col("agency"), col("report_year")])?
                .alias("first"),
        ])
        .collect()?;
    let same = by_agency_year
        .lazy()
        // a copy of the first document is a duplicate of it, not a report with other content
        .filter(
            col("n")
                .gt(lit(1))
                .and(col("doc").neq(col("first")))
                .and(col("content").neq(col("first"))),
        )
        .select([col("doc"), col("first"), col("agency")])
        .collect()?;
    for i in 0..same.height() {
        out.push(Duplicate {
            doc: u32_at(&same, "doc", i)?,
            kind: CrossKind::SameAgencyYear {
                first: u32_at(&same, "first", i)?,
                agency: u32_at(&same, "agency", i)?,
            },
        });
    }
    drop(same);

    out.sort_by(|a, b| {
        a.doc
            .cmp(&b.doc)
            .then_with(|| a.rule().cmp(b.rule()))
            .then_with(|| a.finding(names).message.cmp(&b.finding(names).message))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Documents are named by their number; agencies by a table.
    struct Table;
    const AGENCIES: [&str; 3] = ["甲局", "乙局", "丙局"];
    impl Names for Table {
        fn document(&self, doc: u32) -> &str {
            ["a.txt", "b.txt", "c.txt", "d.txt"]
                .get(doc as usize)
                .copied()
                .unwrap_or("other.txt")
        }
        fn agency(&self, agency: u32) -> &str {
            AGENCIES[agency as usize]
        }
    }

    /// `content` is the first document with the same bytes.
    fn fact(doc: u32, content: u32, agency: &str, year: i32) -> ReportFacts {
        ReportFacts {
            doc,
            content: Some(content),
            agency: AGENCIES.iter().position(|a| *a == agency).map(|i| i as u32),
            report_year: Some(year),
            ..ReportFacts::default()
        }
    }

    #[test]
    fn finds_duplicates() {
        let facts = [
            fact(0, 0, "甲局", 2022),
            fact(1, 1, "甲局", 2023), // 2022 carried 3 forward, 2023 says 2 carried over
            fact(2, 1, "甲局", 2023), // same content as b
            fact(3, 3, "乙局", 2023),
        ];
        let out: Vec<(u32, Finding)> = duplicates(&facts, &Table)
            .unwrap()
            .iter()
            .map(|c| (c.doc, c.finding(&Table)))
            .collect();
        let got: Vec<(u32, &str, &str)> = out
            .iter()
            .map(|(d, f)| (*d, f.rule, f.message.as_str()))
            .collect();
        assert_eq!(got, [(2, "duplicate_report", "same content as b.txt")]);
    }

    /// Issue 20, case 17: a copy of the first report of its agency and year is "same content
    /// as" it, and not also "with different content".
    #[test]
    fn a_copy_of_the_first_report_is_not_also_a_different_one() {
        let facts = [
            fact(0, 0, "甲局", 2021),
            fact(1, 0, "甲局", 2021), // a copy of a
            fact(2, 2, "甲局", 2021), // another 甲局 2021 report
        ];
        let out: Vec<(u32, String)> = duplicates(&facts, &Table)
            .unwrap()
            .iter()
            .map(|c| (c.doc, c.finding(&Table).message))
            .collect();
        assert_eq!(
            out,
            [
                (1, "same content as a.txt".to_owned()),
                (
                    2,
                    "a.txt is also the 甲局 report for the same year, with different content"
                        .to_owned()
                ),
            ]
        );
    }

    #[test]
    fn same_agency_and_year_with_different_content_names_the_first_document() {
        let facts = [
            fact(0, 0, "乙局", 2021),
            fact(1, 1, "甲局", 2021),
            fact(2, 2, "甲局", 2021),
            // unreadable files have no hash: never duplicates of each other
            ReportFacts {
                doc: 3,
                ..ReportFacts::default()
            },
            ReportFacts {
                doc: 4,
                ..ReportFacts::default()
            },
        ];
        let out: Vec<(u32, Finding)> = duplicates(&facts, &Table)
            .unwrap()
            .iter()
            .map(|c| (c.doc, c.finding(&Table)))
            .collect();
        let got: Vec<(u32, &str)> = out.iter().map(|(d, f)| (*d, f.message.as_str())).collect();
        assert_eq!(
            got,
            [(
                2,
                "b.txt is also the 甲局 report for the same year, with different content"
            )]
        );
    }

    #[test]
    fn two_findings_of_one_rule_on_a_document_come_in_message_order() {
        let facts = [
            fact(0, 0, "甲局", 2021),
            fact(1, 1, "甲局", 2021),
            fact(2, 1, "甲局", 2021), // a copy of b, and a third 甲局 2021 report
        ];
        let out = duplicates(&facts, &Table).unwrap();
        assert_eq!(
            out.iter().map(|c| c.doc).collect::<Vec<_>>(),
            [1, 2, 2],
            "{out:?}"
        );
        let messages: Vec<String> = out[1..].iter().map(|c| c.finding(&Table).message).collect();
        assert_eq!(
            messages,
            [
                "a.txt is also the 甲局 report for the same year, with different content",
                "same content as b.txt"
            ]
        );
        assert_eq!(
            out[1].kind,
            CrossKind::SameAgencyYear {
                first: 0,
                agency: 0
            }
        );
    }
}
