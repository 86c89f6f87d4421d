//! What the corpus keeps of each report: a few numbers ([`ReportFacts`], ~200 bytes), never
//! the report itself, so a million fit in memory; and the table of every document's facts
//! ([`FactTable`]) a run fills as reports arrive, in any order.

use nianbao_model::{Report, ReportStatus};
use nianbao_vocab::{Template, HEADLINES, S2_ITEM_ROWS as ITEM_ROWS, S3_APPLICANTS as APPLICANTS};

/// Rows of part 二 (2021 format) whose 现行有效件数 continues from year to year.
pub(crate) const IN_FORCE_ROWS: [&str; 2] = ["regulation", "normative_document"];

/// The number of cells in [`ReportFacts::figures`].
pub const N_FIGURES: usize = 7 + 7 + 6 + 10 + HEADLINES.len();

/// The cell keys of [`ReportFacts::figures`], in order.
pub fn figure_keys() -> Vec<String> {
    let mut k = Vec::with_capacity(N_FIGURES);
    for row in ["carried_over", "carried_forward"] {
        k.extend(APPLICANTS.iter().map(|c| format!("s3.{row}.{c}")));
    }
    for row in IN_FORCE_ROWS {
        k.extend(["issued", "repealed", "in_force"].map(|c| format!("s2.{row}.{c}")));
    }
    for row in ITEM_ROWS {
        k.extend(["prev_year_items", "change"].map(|c| format!("s2.{row}.{c}")));
    }
    k.extend(HEADLINES.iter().map(|h| (*h).to_owned()));
    k
}

pub(crate) const OVER: usize = 0;
pub(crate) const FORWARD: usize = 7;
pub(crate) const IN_FORCE: usize = 14;
pub(crate) const ITEMS: usize = 20;
pub(crate) const HEAD: usize = 30;

/// A report's status as a rank: ok 0, warning 1, error 2, unreadable 3.
pub type StatusRank = u8;

/// One report's facts needed across reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReportFacts {
    /// The report's document, as its position in the corpus ordered by path.
    pub doc: u32,
    /// The `doc` of the first document with the same bytes; `None` when unreadable.
    pub content: Option<u32>,
    /// The agency identity (`agency_key`), as a number the caller gives each distinct key.
    pub agency: Option<u32>,
    /// Report year.
    pub report_year: Option<i32>,
    /// The table format.
    pub template: Option<Template>,
    /// The report's status before cross-report checks (see [`StatusRank`]).
    pub status: StatusRank,
    /// `published_on` as YYYYMMDD (0 when unknown).
    pub published: u32,
    /// The cells of [`figure_keys`], NaN when null (f32: counts are exact below 16.7 million).
    pub figures: [f32; N_FIGURES],
    /// The report's own quality counts, as named by [`QUALITY`]: its error findings (before
    /// the cross-report checks), then its cells by status.
    pub quality: [u16; N_QUALITY],
}

/// The quality counts a report carries into the panel: error findings, then cells stated,
/// repaired, inferred, ambiguous and missing (the `reports` columns of the same names).
pub const QUALITY: [&str; N_QUALITY] = [
    "n_errors",
    "n_stated",
    "n_repaired",
    "n_inferred",
    "n_ambiguous",
    "n_missing",
];
/// How many quality counts.
pub const N_QUALITY: usize = 6;

impl Default for ReportFacts {
    fn default() -> Self {
        ReportFacts {
            doc: 0,
            content: None,
            agency: None,
            report_year: None,
            template: None,
            status: 0,
            published: 0,
            figures: [f32::NAN; N_FIGURES],
            quality: [0; N_QUALITY],
        }
    }
}

impl ReportFacts {
    /// The facts of a report (`agency` and `content` are the caller's to number).
    pub fn of(r: &Report, doc: u32, status: StatusRank) -> ReportFacts {
        let mut figures = [f32::NAN; N_FIGURES];
        for (f, k) in figures.iter_mut().zip(figure_keys()) {
            if let Some(v) = r.cell(&k).and_then(|c| c.value) {
                *f = v as f32;
            }
        }
        let published = r
            .published_on
            .as_deref()
            .and_then(|d| d.replace('-', "").parse::<u32>().ok())
            .unwrap_or(0);
        let mut quality = [0u16; N_QUALITY];
        let count = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        quality[0] = count(
            r.findings
                .iter()
                .filter(|f| f.severity == nianbao_vocab::Severity::Error)
                .count(),
        );
        for (q, name) in quality[1..].iter_mut().zip(&QUALITY[1..]) {
            let status = &name["n_".len()..];
            *q = count(
                r.cells
                    .iter()
                    .filter(|c| c.status.as_str() == status)
                    .count(),
            );
        }
        ReportFacts {
            doc,
            report_year: r.report_year,
            template: r.template,
            status,
            published,
            figures,
            quality,
            ..ReportFacts::default()
        }
    }

    pub(crate) fn fig(&self, i: usize) -> Option<f64> {
        let v = self.figures[i];
        (!v.is_nan()).then_some(f64::from(v))
    }
}

/// Every document's facts, by document number (set as reports arrive, in any order; ~200
/// bytes each, the only per-document memory of a run besides the paths).
pub struct FactTable {
    pub(crate) facts: Vec<ReportFacts>,
    /// Report ids (64 bits of the SHA-256); `None` for a document without content.
    pub(crate) ids: Vec<Option<u64>>,
}

impl FactTable {
    /// A table for `n` documents.
    pub fn new(n: usize) -> FactTable {
        FactTable {
            facts: (0..n as u32)
                .map(|doc| ReportFacts {
                    doc,
                    ..ReportFacts::default()
                })
                .collect(),
            ids: vec![None; n],
        }
    }

    /// Sets a document's facts (`f.doc` says which).
    pub fn set(&mut self, f: ReportFacts, id: Option<u64>) {
        let doc = f.doc as usize;
        if doc < self.facts.len() {
            self.facts[doc] = f;
            self.ids[doc] = id;
        }
    }
}

/// The report id (16 hex digits) as a number.
fn parse_id(hex: &str) -> Option<u64> {
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

/// What the corpus-wide checks need of a validated report as document `doc`: its facts
/// (`agency` unset), its agency's key and printed name, and its report id as a number.
pub fn facts_of(r: &Report, doc: u32) -> (ReportFacts, Option<(String, String)>, Option<u64>) {
    let status = r.status();
    let rank = match status {
        ReportStatus::Ok => 0,
        ReportStatus::Warning => 1,
        ReportStatus::Error => 2,
        ReportStatus::NotAReport | ReportStatus::Unreadable => 3,
    };
    let id = (!r.source.sha256.is_empty())
        .then(|| parse_id(&r.source.report_id))
        .flatten();
    (
        ReportFacts::of(r, doc, rank),
        // a document that is not a report (a list page naming an agency) is no agency's
        // report: not in the panel, the coverage or the cross-year checks
        r.agency_key()
            .zip(r.agency.clone())
            .filter(|_| status != ReportStatus::NotAReport),
        id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_ids_parse_from_hex_or_not_at_all() {
        assert_eq!(parse_id("00000000000000ff"), Some(255));
        assert_eq!(parse_id(""), None);
        assert_eq!(parse_id(&"z".repeat(16)), None);
    }

    #[test]
    fn a_fact_table_ignores_documents_it_does_not_have() {
        let mut t = FactTable::new(2);
        t.set(
            ReportFacts {
                doc: 1,
                report_year: Some(2023),
                ..ReportFacts::default()
            },
            Some(7),
        );
        t.set(
            ReportFacts {
                doc: 5,
                ..ReportFacts::default()
            },
            Some(9),
        );
        assert_eq!(t.facts[1].report_year, Some(2023));
        assert_eq!(t.ids, [None, Some(7)]);
    }
}
