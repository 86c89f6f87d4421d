//! The analyst's panel: agencies across years.
//!
//! **In**: a few numbers per report ([`ReportFacts`]: agency identity, year, status, the cells
//! the checks and the headline figures need), never the reports themselves, so a million fit
//! in memory (~200 bytes each). **Out**: one [`PanelRow`] per (agency, year) with the report
//! chosen for it and why; [`CoverageRow`]s saying for each agency and year whether it
//! reported; and cross-year [`YearFinding`]s on the later report, naming both. **Never**:
//! compares an agency's years through a report that is not the one chosen for its year, or
//! across a gap (year N is only compared with year N−1).

use nianbao_vocab::rules::name as rule;
use std::collections::BTreeMap;

use nianbao_model::Finding;
use nianbao_vocab::{fmt_number, Template, Vocabulary};

use nianbao_vocab::{HEADLINES, S2_ITEM_ROWS as ITEM_ROWS, S3_APPLICANTS as APPLICANTS};

pub use crate::facts::{figure_keys, ReportFacts, StatusRank, N_FIGURES};
use crate::facts::{FORWARD, HEAD, IN_FORCE, IN_FORCE_ROWS, ITEMS, OVER};

/// Figures checked for implausible jumps (positions in [`HEADLINES`]).
const JUMP_CHECKED: [usize; 3] = [0, 3, 5];

/// A jump is implausible when a figure is ×10 or more (or a tenth or less) of last year's and
/// the larger of the two is at least this: 3 → 30 applications happens.
const JUMP_FLOOR: f32 = 50.0;

/// Names behind the numbers, for messages and tables.
pub trait Names {
    /// The path of document `doc`.
    fn document(&self, doc: u32) -> &str;
    /// The agency's name as first printed.
    fn agency(&self, agency: u32) -> &str;
}

/// One row of the `panel` table.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelRow {
    /// The agency.
    pub agency: u32,
    /// The year.
    pub year: i32,
    /// The report chosen for it.
    pub doc: u32,
    /// Documents of this agency and year.
    pub n_reports: u32,
    /// Why this one.
    pub chosen_because: String,
    /// [`HEADLINES`] of the chosen report.
    pub figures: [Option<f64>; HEADLINES.len()],
    /// The change of each headline since the year before (null without a report for it).
    pub change: [Option<f64>; HEADLINES.len()],
}

/// One row of the `coverage` table.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageRow {
    /// The agency (a number of the caller's).
    pub agency: u32,
    /// The year.
    pub year: i32,
    /// `reported`, `missing` or `duplicate`.
    pub status: &'static str,
    /// Documents of this agency and year.
    pub n_reports: u32,
    /// The report chosen for the year, if any.
    pub doc: Option<u32>,
    /// Whether the agency is on the expected list (`None` without a list).
    pub expected: Option<bool>,
}

/// A cross-year finding, as numbers (its message is written when needed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearFinding {
    /// The later report.
    pub doc: u32,
    /// The report of the year before.
    pub prev_doc: u32,
    /// The later year.
    pub year: i32,
    /// What was found.
    pub kind: YearKind,
}

/// What a [`YearFinding`] found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum YearKind {
    /// 二、上年结转 of an applicant column differs from last year's 四、结转下年度.
    CarryOver {
        /// Position in the applicant columns.
        column: u8,
        /// Last year's 结转下年度.
        prev_forward: f64,
        /// This year's 上年结转.
        carried_over: f64,
    },
    /// 现行有效件数 ≠ last year's + 本年制发 − 本年废止 (2021 format).
    InForce {
        /// 0 规章, 1 行政规范性文件.
        row: u8,
        /// What the continuity gives.
        expected: f64,
        /// What the report says.
        actual: f64,
    },
    /// 上一年项目数量 ≠ last year's 上一年项目数量 + 本年增/减 (2019 format).
    Items {
        /// Position in the item rows.
        row: u8,
        /// What the continuity gives.
        expected: f64,
        /// What the report says.
        actual: f64,
    },
    /// A headline figure ×10 or more (or a tenth or less) of last year's.
    Jump {
        /// Position in [`HEADLINES`].
        figure: u8,
        /// Last year's.
        prev: f64,
        /// This year's.
        cur: f64,
    },
}

impl YearFinding {
    /// The rule of the catalogue.
    pub fn rule(&self) -> &'static str {
        match self.kind {
            YearKind::CarryOver { .. } => rule::CARRY_OVER_MISMATCH,
            YearKind::InForce { .. } => rule::IN_FORCE_CONTINUITY,
            YearKind::Items { .. } => rule::ITEMS_CONTINUITY,
            YearKind::Jump { .. } => rule::IMPLAUSIBLE_JUMP,
        }
    }

    /// The finding, with its message.
    pub fn finding(&self, names: &dyn Names) -> Finding {
        let v = Vocabulary::get();
        let prev = names.document(self.prev_doc);
        let (y, py) = (self.year, self.year - 1);
        let label = |key: &str| {
            v.cell(key)
                .map(|c| format!("{} {}", c.row.label, c.column.label))
                .unwrap_or_else(|| key.to_owned())
        };
        match self.kind {
            YearKind::CarryOver {
                column,
                prev_forward,
                carried_over,
            } => {
                let c = APPLICANTS[column as usize];
                let key = format!("s3.carried_over.{c}");
                let col = v.cell(&key).map_or(c, |d| d.column.label);
                Finding::new(
                    self.rule(),
                    format!(
                        "二、上年结转 {col} of {y} is {} but 四、结转下年度 {col} of {py} ({prev}) is {}",
                        fmt_number(carried_over),
                        fmt_number(prev_forward)
                    ),
                )
                .at_key(&key)
                .numbers(Some(prev_forward), Some(carried_over))
            }
            YearKind::InForce {
                row,
                expected,
                actual,
            } => {
                let r = IN_FORCE_ROWS[row as usize];
                let key = format!("s2.{r}.in_force");
                Finding::new(
                    self.rule(),
                    format!(
                        "{} of {y} is {} but {py}'s ({prev}) plus 本年制发 minus 本年废止 is {}",
                        label(&key),
                        fmt_number(actual),
                        fmt_number(expected)
                    ),
                )
                .at_key(&key)
                .numbers(Some(expected), Some(actual))
            }
            YearKind::Items {
                row,
                expected,
                actual,
            } => {
                let r = ITEM_ROWS[row as usize];
                let key = format!("s2.{r}.prev_year_items");
                Finding::new(
                    self.rule(),
                    format!(
                        "{} of {y} is {} but {py}'s ({prev}) 上一年项目数量 plus 本年增/减 is {}",
                        label(&key),
                        fmt_number(actual),
                        fmt_number(expected)
                    ),
                )
                .at_key(&key)
                .numbers(Some(expected), Some(actual))
            }
            YearKind::Jump { figure, prev, cur } => {
                let key = HEADLINES[figure as usize];
                Finding::new(
                    self.rule(),
                    format!(
                        "{} is {} in {y} but {} in {py} ({prev}): check both reports",
                        label(key),
                        fmt_number(cur),
                        fmt_number(prev)
                    ),
                )
                .at_key(key)
                .numbers(Some(prev), Some(cur))
            }
        }
    }
}

/// Everything the panel stage produces.
#[derive(Debug, Default)]
pub struct Panel {
    /// One row per (agency, year), by agency then year.
    pub rows: Vec<PanelRow>,
    /// Coverage, by agency then year.
    pub coverage: Vec<CoverageRow>,
    /// Cross-year findings, by document.
    pub findings: Vec<YearFinding>,
}

/// Picks the report of an agency-year: the best status, then the latest `published_on` (a
/// re-publication supersedes), then the first path. Returns it and why.
fn choose(group: &[&ReportFacts]) -> (u32, String) {
    let mut sorted: Vec<&ReportFacts> = group.to_vec();
    sorted.sort_by_key(|f| (f.status, std::cmp::Reverse(f.published), f.doc));
    let best = sorted[0];
    if sorted.len() == 1 {
        return (best.doc, "the only report".to_owned());
    }
    let n = sorted.len();
    let contents: std::collections::BTreeSet<Option<u32>> =
        sorted.iter().map(|f| f.content).collect();
    if contents.len() == 1 {
        return (
            best.doc,
            format!("{n} copies of one document: the first by path"),
        );
    }
    let runner = sorted[1];
    let why = if best.status < runner.status {
        format!(
            "{n} reports: the best status ({} over {})",
            STATUS[best.status.min(3) as usize],
            STATUS[runner.status.min(3) as usize]
        )
    } else if best.published > runner.published {
        let d = best.published;
        format!(
            "{n} reports: the latest published ({:04}-{:02}-{:02})",
            d / 10000,
            d / 100 % 100,
            d % 100
        )
    } else {
        format!("{n} reports: same status and date, the first by path")
    };
    (best.doc, why)
}

/// Builds the panel, its coverage and the cross-year findings. Coverage runs from each
/// agency's first report to the corpus's latest year; `expected` lists the agency numbers the
/// user expects every year (the coverage then spans every year of the corpus for them); `None`
/// without a list.
pub fn build_panel(facts: &[ReportFacts], expected: Option<&[u32]>) -> Panel {
    let mut by_agency: BTreeMap<u32, BTreeMap<i32, Vec<&ReportFacts>>> = BTreeMap::new();
    for f in facts {
        if let (Some(a), Some(y)) = (f.agency, f.report_year) {
            by_agency
                .entry(a)
                .or_default()
                .entry(y)
                .or_default()
                .push(f);
        }
    }
    let years: Vec<i32> = facts.iter().filter_map(|f| f.report_year).collect();
    let span = years.iter().min().copied().zip(years.iter().max().copied());
    let mut out = Panel::default();
    let mut listed: std::collections::BTreeSet<u32> = expected
        .map(|e| e.iter().copied().collect())
        .unwrap_or_default();
    for (&agency, years_of) in &by_agency {
        let mut chosen: BTreeMap<i32, &ReportFacts> = BTreeMap::new();
        for (&year, group) in years_of {
            let (doc, why) = choose(group);
            let f = *group
                .iter()
                .find(|f| f.doc == doc)
                .expect("chosen from the group");
            chosen.insert(year, f);
            let prev = chosen.get(&(year - 1)).copied();
            let figures: [Option<f64>; HEADLINES.len()] = std::array::from_fn(|i| f.fig(HEAD + i));
            let change = std::array::from_fn(|i| {
                let p = prev?.fig(HEAD + i)?;
                Some(figures[i]? - p)
            });
            out.rows.push(PanelRow {
                agency,
                year,
                doc,
                n_reports: group.len() as u32,
                chosen_because: why,
                figures,
                change,
            });
            if let Some(p) = prev {
                year_checks(p, f, year, &mut out.findings);
            }
        }
        // coverage: from the agency's first year (the corpus's first when expected) to the
        // corpus's latest year: an agency that stopped reporting is `missing` after its last
        // report (issue 29.6: "who has not reported for the latest year")
        let on_list = expected.map(|_| listed.remove(&agency));
        let first = *years_of.keys().next().expect("non-empty");
        let last = *years_of.keys().next_back().expect("non-empty");
        let (from, to) = match (on_list, span) {
            (Some(true), Some((lo, hi))) => (lo.min(first), hi.max(last)),
            (_, Some((_, hi))) => (first, hi.max(last)),
            _ => (first, last),
        };
        for year in from..=to {
            let group = years_of.get(&year);
            let contents = group.map_or(0, |g| {
                g.iter()
                    .map(|f| f.content)
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
            });
            out.coverage.push(CoverageRow {
                agency,
                year,
                status: match contents {
                    0 => "missing",
                    1 => "reported",
                    _ => "duplicate",
                },
                n_reports: group.map_or(0, |g| g.len() as u32),
                doc: chosen.get(&year).map(|f| f.doc),
                expected: on_list,
            });
        }
    }
    // expected agencies with no report at all: missing every year of the corpus
    if let Some((lo, hi)) = span {
        for agency in listed {
            for year in lo..=hi {
                out.coverage.push(CoverageRow {
                    agency,
                    year,
                    status: "missing",
                    n_reports: 0,
                    doc: None,
                    expected: Some(true),
                });
            }
        }
    }
    out.findings.sort_by_key(|f| f.doc);
    out
}

/// The checks between an agency's chosen reports of consecutive years.
fn year_checks(p: &ReportFacts, f: &ReportFacts, year: i32, out: &mut Vec<YearFinding>) {
    let mut push = |kind| {
        out.push(YearFinding {
            doc: f.doc,
            prev_doc: p.doc,
            year,
            kind,
        })
    };
    for c in 0..APPLICANTS.len() {
        if let (Some(fw), Some(ov)) = (p.fig(FORWARD + c), f.fig(OVER + c)) {
            if fw != ov {
                push(YearKind::CarryOver {
                    column: c as u8,
                    prev_forward: fw,
                    carried_over: ov,
                });
            }
        }
    }
    if p.template == Some(Template::Y2021) && f.template == Some(Template::Y2021) {
        for r in 0..IN_FORCE_ROWS.len() {
            let at = IN_FORCE + 3 * r;
            if let (Some(prev), Some(issued), Some(repealed), Some(now)) =
                (p.fig(at + 2), f.fig(at), f.fig(at + 1), f.fig(at + 2))
            {
                let expected = prev + issued - repealed;
                if expected != now {
                    push(YearKind::InForce {
                        row: r as u8,
                        expected,
                        actual: now,
                    });
                }
            }
        }
    }
    if p.template == Some(Template::Y2019) && f.template == Some(Template::Y2019) {
        for r in 0..ITEM_ROWS.len() {
            let at = ITEMS + 2 * r;
            if let (Some(items), Some(change), Some(now)) = (p.fig(at), p.fig(at + 1), f.fig(at)) {
                let expected = items + change;
                if expected != now {
                    push(YearKind::Items {
                        row: r as u8,
                        expected,
                        actual: now,
                    });
                }
            }
        }
    }
    for &h in &JUMP_CHECKED {
        if let (Some(prev), Some(cur)) = (p.fig(HEAD + h), f.fig(HEAD + h)) {
            let (lo, hi) = if prev < cur { (prev, cur) } else { (cur, prev) };
            if lo > 0.0 && hi >= 10.0 * lo && hi >= f64::from(JUMP_FLOOR) {
                push(YearKind::Jump {
                    figure: h as u8,
                    prev,
                    cur,
                });
            }
        }
    }
}

/// What the `panel` and `coverage` tables need to name their rows.
pub trait Lookup: Names {
    /// The `agency_key` of agency `agency`.
    fn agency_key(&self, agency: u32) -> &str;
    /// The report id (16 hex digits) of document `doc`.
    fn report_id(&self, doc: u32) -> String;
    /// The facts of document `doc`.
    fn facts(&self, doc: u32) -> Option<&ReportFacts>;
}

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int32Builder, StringBuilder, UInt32Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::ArrowError;
use nianbao_model::batch::{coverage_schema, panel_schema};

use crate::facts::N_QUALITY;

/// Status names by rank (see [`StatusRank`]).
const STATUS: [&str; 4] = ["ok", "warning", "error", "unreadable"];

/// The agency columns (key, name, region) of rows.
#[derive(Default)]
struct AgencyCols {
    key: StringBuilder,
    name: StringBuilder,
    province: StringBuilder,
    prefecture: StringBuilder,
    county: StringBuilder,
    adcode: StringBuilder,
    level: StringBuilder,
}

impl AgencyCols {
    fn append(&mut self, agency: u32, names: &dyn Lookup) {
        let key = names.agency_key(agency);
        let region = key
            .split_once(':')
            .map(|(code, _)| nianbao_regions::Region::of_code(code))
            .unwrap_or_default();
        self.key.append_value(key);
        self.name.append_value(names.agency(agency));
        self.province.append_option(region.province);
        self.prefecture.append_option(region.prefecture);
        self.county.append_option(region.county);
        self.adcode.append_option(region.adcode);
        self.level.append_option(region.level.map(|l| l.as_str()));
    }

    fn finish(mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.key.finish()),
            Arc::new(self.name.finish()),
            Arc::new(self.province.finish()),
            Arc::new(self.prefecture.finish()),
            Arc::new(self.county.finish()),
            Arc::new(self.adcode.finish()),
            Arc::new(self.level.finish()),
        ]
    }
}

/// A report's status after the cross-report checks, as a rank (see [`StatusRank`]), and its
/// error findings, its own and the cross-report ones: what `reports` says of it. `cross` is
/// every cross-report finding, ordered by document.
pub fn final_status(
    facts: Option<&ReportFacts>,
    cross: &[crate::CorpusFinding],
    doc: u32,
) -> (StatusRank, u32) {
    let from = cross.partition_point(|c| c.doc() < doc);
    let to = from + cross[from..].partition_point(|c| c.doc() == doc);
    let mut rank = facts.map_or(0, |f| f.status);
    let mut errors = facts.map_or(0, |f| u32::from(f.quality[0]));
    for c in &cross[from..to] {
        let Some(s) = nianbao_vocab::rules::rule(c.rule()).map(|x| x.severity) else {
            continue;
        };
        // (an unreadable document or one that is not a report keeps its status)
        if rank < 3 {
            rank = rank.max(match s {
                nianbao_vocab::Severity::Error => 2,
                nianbao_vocab::Severity::Warning => 1,
                nianbao_vocab::Severity::Info => 0,
            });
        }
        errors += u32::from(s == nianbao_vocab::Severity::Error);
    }
    (rank, errors)
}

/// `panel` rows. `cross` is every cross-report finding, ordered by document (they raise the
/// chosen report's status and error count, as in `reports`).
pub fn panel_batch(
    rows: &[PanelRow],
    names: &dyn Lookup,
    cross: &[crate::CorpusFinding],
) -> Result<RecordBatch, ArrowError> {
    let mut agency = AgencyCols::default();
    let mut year = Int32Builder::new();
    let mut id = StringBuilder::new();
    let mut doc = StringBuilder::new();
    let mut template = StringBuilder::new();
    let mut n = UInt32Builder::new();
    let mut why = StringBuilder::new();
    let mut status = StringBuilder::new();
    let mut quality: Vec<UInt32Builder> = (0..N_QUALITY).map(|_| UInt32Builder::new()).collect();
    let mut figs: Vec<Float64Builder> = (0..2 * HEADLINES.len())
        .map(|_| Float64Builder::new())
        .collect();
    for r in rows {
        agency.append(r.agency, names);
        year.append_value(r.year);
        id.append_value(names.report_id(r.doc));
        doc.append_value(names.document(r.doc));
        template.append_option(
            names
                .facts(r.doc)
                .and_then(|f| f.template)
                .map(|t| t.as_str()),
        );
        n.append_value(r.n_reports);
        why.append_value(&r.chosen_because);
        let facts = names.facts(r.doc);
        let (rank, errors) = final_status(facts, cross, r.doc);
        status.append_value(STATUS[rank.min(3) as usize]);
        for (k, b) in quality.iter_mut().enumerate() {
            let own = facts.map_or(0, |f| u32::from(f.quality[k]));
            b.append_value(if k == 0 { errors } else { own });
        }
        for (b, v) in figs.iter_mut().zip(r.figures.iter().chain(&r.change)) {
            b.append_option(*v);
        }
    }
    let mut cols = agency.finish();
    cols.extend::<[ArrayRef; 6]>([
        Arc::new(year.finish()),
        Arc::new(id.finish()),
        Arc::new(doc.finish()),
        Arc::new(template.finish()),
        Arc::new(n.finish()),
        Arc::new(why.finish()),
    ]);
    cols.push(Arc::new(status.finish()));
    cols.extend(
        quality
            .into_iter()
            .map(|mut b| Arc::new(b.finish()) as ArrayRef),
    );
    cols.extend(
        figs.into_iter()
            .map(|mut b| Arc::new(b.finish()) as ArrayRef),
    );
    RecordBatch::try_new(panel_schema(), cols)
}

/// `coverage` rows.
pub fn coverage_batch(rows: &[CoverageRow], names: &dyn Lookup) -> Result<RecordBatch, ArrowError> {
    let mut agency = AgencyCols::default();
    let mut year = Int32Builder::new();
    let mut status = StringBuilder::new();
    let mut n = UInt32Builder::new();
    let mut id = StringBuilder::new();
    let mut doc = StringBuilder::new();
    let mut expected = BooleanBuilder::new();
    for r in rows {
        agency.append(r.agency, names);
        year.append_value(r.year);
        status.append_value(r.status);
        n.append_value(r.n_reports);
        id.append_option(r.doc.map(|d| names.report_id(d)));
        doc.append_option(r.doc.map(|d| names.document(d)));
        expected.append_option(r.expected);
    }
    let mut cols = agency.finish();
    cols.extend::<[ArrayRef; 6]>([
        Arc::new(year.finish()),
        Arc::new(status.finish()),
        Arc::new(n.finish()),
        Arc::new(id.finish()),
        Arc::new(doc.finish()),
        Arc::new(expected.finish()),
    ]);
    RecordBatch::try_new(coverage_schema(), cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Docs;
    impl Names for Docs {
        fn document(&self, doc: u32) -> &str {
            ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt", "f.txt"]
                .get(doc as usize)
                .copied()
                .unwrap_or("?")
        }
        fn agency(&self, _: u32) -> &str {
            "甲局"
        }
    }

    fn fact(doc: u32, agency: u32, year: i32, t: Template) -> ReportFacts {
        let mut f = ReportFacts {
            doc,
            content: Some(doc),
            agency: Some(agency),
            report_year: Some(year),
            template: Some(t),
            ..ReportFacts::default()
        };
        for (i, k) in figure_keys().iter().enumerate() {
            let _ = k;
            f.figures[i] = 0.0;
        }
        f
    }

    fn set(f: &mut ReportFacts, key: &str, v: f32) {
        let i = figure_keys().iter().position(|k| k == key).unwrap();
        f.figures[i] = v;
    }

    #[test]
    fn consecutive_years_are_checked_and_gaps_are_not() {
        let mut a = fact(0, 0, 2021, Template::Y2021);
        set(&mut a, "s3.carried_forward.natural_person", 3.0);
        set(&mut a, "s3.carried_forward.total", 3.0);
        set(&mut a, "s2.regulation.in_force", 10.0);
        set(&mut a, "s3.received_new.total", 12.0);
        let mut b = fact(1, 0, 2022, Template::Y2021);
        set(&mut b, "s3.carried_over.natural_person", 3.0);
        set(&mut b, "s3.carried_over.total", 2.0); // mismatch
        set(&mut b, "s2.regulation.issued", 2.0);
        set(&mut b, "s2.regulation.repealed", 1.0);
        set(&mut b, "s2.regulation.in_force", 12.0); // 10 + 2 - 1 = 11
        set(&mut b, "s3.received_new.total", 130.0); // ×10
        let c = fact(2, 0, 2024, Template::Y2021); // 2023 missing: no comparison
        let p = build_panel(&[a, b, c], None);
        let got: Vec<(u32, &str)> = p.findings.iter().map(|f| (f.doc, f.rule())).collect();
        assert_eq!(
            got,
            [
                (1, "carry_over_mismatch"),
                (1, "in_force_continuity"),
                (1, "implausible_jump")
            ]
        );
        let msg = p.findings[1].finding(&Docs).message;
        assert!(
            msg.contains("is 12 but 2021's (a.txt) plus 本年制发 minus 本年废止 is 11"),
            "{msg}"
        );
        let cov: Vec<(i32, &str)> = p.coverage.iter().map(|c| (c.year, c.status)).collect();
        assert_eq!(
            cov,
            [
                (2021, "reported"),
                (2022, "reported"),
                (2023, "missing"),
                (2024, "reported")
            ]
        );
        assert_eq!(p.rows[1].change[0], Some(118.0));
        assert_eq!(p.rows[2].change[0], None, "no 2023 report: no change");
    }

    #[test]
    fn the_2019_item_continuity() {
        let mut a = fact(0, 0, 2019, Template::Y2019);
        set(&mut a, "s2.licensing.prev_year_items", 40.0);
        set(&mut a, "s2.licensing.change", -3.0);
        let mut b = fact(1, 0, 2020, Template::Y2019);
        set(&mut b, "s2.licensing.prev_year_items", 37.0);
        assert!(build_panel(&[a, b], None).findings.is_empty());
        set(&mut b, "s2.licensing.prev_year_items", 38.0);
        let p = build_panel(&[a, b], None);
        assert_eq!(p.findings.len(), 1);
        assert_eq!(p.findings[0].rule(), "items_continuity");
    }

    #[test]
    fn one_report_is_chosen_per_agency_year_and_the_reason_is_given() {
        let mut a = fact(0, 0, 2022, Template::Y2021);
        a.status = 1;
        a.published = 20230110;
        let mut b = fact(1, 0, 2022, Template::Y2021);
        b.published = 20230101;
        let mut c = fact(2, 0, 2023, Template::Y2021);
        c.published = 20240101;
        let mut d = fact(3, 0, 2023, Template::Y2021);
        d.published = 20240301;
        let mut e = fact(4, 0, 2024, Template::Y2021);
        e.content = Some(4);
        let mut f = fact(5, 0, 2024, Template::Y2021);
        f.content = Some(4);
        let p = build_panel(&[a, b, c, d, e, f], None);
        let got: Vec<(i32, u32, &str)> = p
            .rows
            .iter()
            .map(|r| (r.year, r.doc, r.chosen_because.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (2022, 1, "2 reports: the best status (ok over warning)"),
                (2023, 3, "2 reports: the latest published (2024-03-01)"),
                (2024, 4, "2 copies of one document: the first by path"),
            ]
        );
        let cov: Vec<&str> = p.coverage.iter().map(|c| c.status).collect();
        assert_eq!(cov, ["duplicate", "duplicate", "reported"]);
    }

    #[test]
    fn expected_agencies_span_the_corpus_years() {
        let a = fact(0, 0, 2020, Template::Y2019);
        let b = fact(1, 1, 2022, Template::Y2021);
        // agency 1 expected, agency 2 expected but never reported, agency 0 not on the list
        // (it stopped after 2020: missing up to the corpus's latest year, issue 29.6)
        let p = build_panel(&[a, b], Some(&[1, 2]));
        let got: Vec<(u32, i32, &str, Option<bool>)> = p
            .coverage
            .iter()
            .map(|c| (c.agency, c.year, c.status, c.expected))
            .collect();
        assert_eq!(
            got,
            [
                (0, 2020, "reported", Some(false)),
                (0, 2021, "missing", Some(false)),
                (0, 2022, "missing", Some(false)),
                (1, 2020, "missing", Some(true)),
                (1, 2021, "missing", Some(true)),
                (1, 2022, "reported", Some(true)),
                (2, 2020, "missing", Some(true)),
                (2, 2021, "missing", Some(true)),
                (2, 2022, "missing", Some(true)),
            ]
        );
    }
}
