//! The canonical vocabulary of the 政府信息公开工作年度报告: the single source of truth that every
//! other stage of nianbao uses.
//!
//! **In:** nothing at run time: the vocabulary is the file `data/vocabulary.tsv` of this crate,
//! compiled in. **Out:** [`Vocabulary`] — both national templates (2019 and 2021) as sections,
//! rows and columns with their official labels and the label cores used to find them in text;
//! canonical cell keys (`s3.received_new.total`); the identities as linear equations over keys
//! ([`Identity`]); and the catalogue of validation rules ([`rules`]).
//! **Never:** reads files, knows about document layouts, or holds numbers of any report.
//!
//! ```
//! use nianbao_vocab::{Section, Template, Vocabulary};
//!
//! let v = Vocabulary::get();
//! let rows: Vec<_> = v.rows(Template::Y2021, Section::S3).map(|r| r.key).collect();
//! assert_eq!(rows[0], "received_new");
//! let cell = v.cell("s3.received_new.total").unwrap();
//! assert_eq!(cell.column.label, "总计");
//! // Part 四: total = upheld + corrected + other + pending, for each of the three proceedings.
//! let ids = v.identities(Template::Y2021, nianbao_vocab::OtherRows::Items);
//! assert!(ids.iter().any(|i| i.rule == nianbao_vocab::rules::name::S4_ROW_TOTAL));
//! ```

pub mod codebook;
pub mod rules;

use crate::rules::name as rule;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

pub use rules::{Rule, Severity, RULES};

/// The vocabulary file compiled into the binary.
pub const VOCABULARY_TSV: &str = include_str!("../data/vocabulary.tsv");

/// A national report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Template {
    /// 国办公开办函〔2019〕60号: reports for 2019 and 2020.
    Y2019,
    /// 国办公开办函〔2021〕30号: reports for 2021 and later.
    Y2021,
}

impl Template {
    /// Both templates, oldest first.
    pub const ALL: [Template; 2] = [Template::Y2019, Template::Y2021];

    /// `"2019"` or `"2021"`: the value written to the `template` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Template::Y2019 => "2019",
            Template::Y2021 => "2021",
        }
    }

    /// Parses `"2019"` / `"2021"`.
    pub fn parse(s: &str) -> Option<Template> {
        match s {
            "2019" => Some(Template::Y2019),
            "2021" => Some(Template::Y2021),
            _ => None,
        }
    }

    /// The template the 条例 prescribes for a report year (2019 format for 2019–2020).
    pub fn for_year(year: i32) -> Template {
        if year <= 2020 {
            Template::Y2019
        } else {
            Template::Y2021
        }
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A statistical part of the report (parts 二, 三, 四 hold the tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// Part 二: 主动公开政府信息情况.
    S2,
    /// Part 三: 收到和处理政府信息公开申请情况.
    S3,
    /// Part 四: 政府信息公开行政复议、行政诉讼情况.
    S4,
}

impl Section {
    /// The three table sections in report order.
    pub const ALL: [Section; 3] = [Section::S2, Section::S3, Section::S4];

    /// `"s2"`, `"s3"`, `"s4"`: the first component of a cell key.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::S2 => "s2",
            Section::S3 => "s3",
            Section::S4 => "s4",
        }
    }

    /// The part number in the report (2, 3 or 4).
    pub fn part(self) -> u8 {
        match self {
            Section::S2 => 2,
            Section::S3 => 3,
            Section::S4 => 4,
        }
    }

    /// The Chinese numeral of the part (二, 三, 四).
    pub fn numeral(self) -> &'static str {
        PART_NUMERALS[self.part() as usize - 1]
    }

    fn parse(s: &str) -> Option<Section> {
        match s {
            "s2" => Some(Section::S2),
            "s3" => Some(Section::S3),
            "s4" => Some(Section::S4),
            _ => None,
        }
    }
}

/// Chinese numerals of the six parts, 一 to 六.
pub const PART_NUMERALS: [&str; 6] = ["一", "二", "三", "四", "五", "六"];

/// Usual titles of the six parts (wording varies between reports).
pub const PART_TITLES: [&str; 6] = [
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议、行政诉讼情况",
    "存在的主要问题及改进情况",
    "其他需要报告的事项",
];

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A whole number ≥ 0.
    Count,
    /// A decimal amount ≥ 0 (万元 or 元).
    Amount,
    /// A whole number that may be negative (本年增/减).
    Signed,
}

/// A row of a table.
#[derive(Debug, Clone)]
pub struct RowDef {
    /// The part the row belongs to.
    pub section: Section,
    /// Stable key, e.g. `received_new`.
    pub key: &'static str,
    /// Official label.
    pub label: &'static str,
    /// Label cores that identify the row in text (punctuation, spaces and ordinals removed),
    /// most specific first.
    pub matches: Vec<&'static str>,
    /// Templates that have this row.
    pub templates: Vec<Template>,
}

/// A column of a table.
#[derive(Debug, Clone)]
pub struct ColumnDef {
    /// The part the column belongs to.
    pub section: Section,
    /// Stable key, e.g. `natural_person`.
    pub key: &'static str,
    /// Official label.
    pub label: &'static str,
    /// Label cores that identify the column header in text.
    pub matches: Vec<&'static str>,
    /// The kind of number the column holds.
    pub kind: ValueKind,
    /// Rows that have this column; `None` for every row of the section.
    pub rows: Option<Vec<&'static str>>,
    /// Templates that have this column.
    pub templates: Vec<Template>,
}

impl ColumnDef {
    /// Whether this column belongs to `row` (same section assumed).
    pub fn applies_to(&self, row: &str) -> bool {
        self.rows.as_ref().is_none_or(|rs| rs.contains(&row))
    }
}

/// One canonical cell: a row × column of a section.
#[derive(Debug, Clone, Copy)]
pub struct CellDef {
    /// The canonical key `SECTION.ROW.COLUMN` (interned: one copy for the whole run).
    pub key: &'static str,
    /// The row.
    pub row: &'static RowDef,
    /// The column.
    pub column: &'static ColumnDef,
    /// Its position in [`Vocabulary::all_keys`] (the wide table's column order; the state
    /// stores a cell's key as this number).
    pub position: usize,
}

/// Builds a canonical cell key.
pub fn cell_key(section: Section, row: &str, column: &str) -> String {
    format!("{}.{}.{}", section.as_str(), row, column)
}

/// The applicant columns of part 三, in table order (the five kinds of 法人或其他组织 after
/// 自然人, then 总计).
pub const S3_APPLICANTS: [&str; 7] = [
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
];

/// The rows of part 二 (2019 format) whose 上一年项目数量 continues from year to year.
pub const S2_ITEM_ROWS: [&str; 5] = [
    "licensing",
    "other_external_service",
    "punishment",
    "enforcement",
    "admin_fee",
];

/// The headline figures of the panel (its columns, and their year-on-year changes), by cell
/// key.
pub const HEADLINES: [&str; 8] = [
    "s3.received_new.total",
    "s3.carried_over.total",
    "s3.granted.total",
    "s3.results_total.total",
    "s3.carried_forward.total",
    "s4.administrative_review.total",
    "s4.litigation_direct.total",
    "s4.litigation_after_review.total",
];

/// How a report gives part 三 （六）其他处理.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherRows {
    /// The three items 1.–3. of the 2021 format.
    Items,
    /// One row `other_processing` (2019 format, or a 2021 report that keeps it).
    Single,
    /// Both the group row and its three items.
    Both,
}

impl OtherRows {
    /// How a report of `template` gives （六）其他处理, from whether it states the single row
    /// and whether it has the three items: the one decision the reader and the validator share.
    pub fn given(template: Template, single: bool, items: bool) -> OtherRows {
        match (template, single, items) {
            (Template::Y2019, _, _) => OtherRows::Single,
            (_, true, true) => OtherRows::Both,
            (_, true, false) => OtherRows::Single,
            _ => OtherRows::Items,
        }
    }

    /// [`OtherRows::given`] from a report's cells: `present(key)` says whether the cell `key`
    /// was found (not `missing`). The validator and the OCR checksum decide with it.
    pub fn of_cells(template: Template, present: impl Fn(&str) -> bool) -> OtherRows {
        OtherRows::given(
            template,
            present("s3.other_processing.total"),
            present("s3.other_other.total") || present("s3.other_no_correction.total"),
        )
    }
}

/// A linear identity: the sum of `lhs` equals the sum of `rhs`.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// The rule name of [`rules`] this identity belongs to.
    pub rule: &'static str,
    /// Cell keys on the left-hand side.
    pub lhs: Vec<&'static str>,
    /// Cell keys on the right-hand side.
    pub rhs: Vec<&'static str>,
}

impl Identity {
    /// Every key of the identity.
    pub fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.lhs.iter().chain(self.rhs.iter()).copied()
    }

    /// `lhs − rhs` if every key has a value; `None` otherwise.
    pub fn residual(&self, value: impl Fn(&str) -> Option<f64>) -> Option<f64> {
        let l: Option<f64> = self.lhs.iter().map(|k| value(k)).sum();
        let r: Option<f64> = self.rhs.iter().map(|k| value(k)).sum();
        Some(l? - r?)
    }

    /// Human-readable form: `a + b = c + d`.
    pub fn describe(&self) -> String {
        format!("{} = {}", self.lhs.join(" + "), self.rhs.join(" + "))
    }
}

/// The parsed vocabulary.
#[derive(Debug)]
pub struct Vocabulary {
    rows: Vec<(Template, RowDef)>,
    columns: Vec<(Template, ColumnDef)>,
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

impl Vocabulary {
    /// The vocabulary, parsed once from [`VOCABULARY_TSV`].
    pub fn get() -> &'static Vocabulary {
        static V: OnceLock<&'static Vocabulary> = OnceLock::new();
        V.get_or_init(|| {
            let v = Vocabulary::parse(VOCABULARY_TSV)
                .unwrap_or_else(|e| panic!("built-in vocabulary.tsv is invalid: {e}"));
            Box::leak(Box::new(v))
        })
    }

    fn parse(tsv: &str) -> Result<Vocabulary, String> {
        let mut rd = csv::ReaderBuilder::new()
            .delimiter(b'\t')
            .quoting(false)
            .from_reader(tsv.as_bytes());
        let mut rows = Vec::new();
        let mut columns = Vec::new();
        for (i, rec) in rd.records().enumerate() {
            let rec = rec.map_err(|e| format!("line {}: {e}", i + 2))?;
            let f = |n: usize| rec.get(n).unwrap_or("").trim();
            let templates: Vec<Template> = match f(0) {
                "both" => Template::ALL.to_vec(),
                t => vec![Template::parse(t).ok_or(format!("line {}: template {t}", i + 2))?],
            };
            let section =
                Section::parse(f(1)).ok_or(format!("line {}: section {}", i + 2, f(1)))?;
            let matches: Vec<&'static str> = f(5)
                .split('|')
                .filter(|s| !s.is_empty())
                .map(leak)
                .collect();
            if matches.is_empty() {
                return Err(format!("line {}: no match cores", i + 2));
            }
            match f(2) {
                "row" => {
                    for &t in &templates {
                        rows.push((
                            t,
                            RowDef {
                                section,
                                key: leak(f(3)),
                                label: leak(f(4)),
                                matches: matches.clone(),
                                templates: templates.clone(),
                            },
                        ));
                    }
                }
                "column" => {
                    let kind = match f(7) {
                        "count" => ValueKind::Count,
                        "amount" => ValueKind::Amount,
                        "signed" => ValueKind::Signed,
                        k => return Err(format!("line {}: value kind {k}", i + 2)),
                    };
                    let rows_of = match f(6) {
                        "*" | "" => None,
                        r => Some(r.split_whitespace().map(leak).collect()),
                    };
                    for &t in &templates {
                        columns.push((
                            t,
                            ColumnDef {
                                section,
                                key: leak(f(3)),
                                label: leak(f(4)),
                                matches: matches.clone(),
                                kind,
                                rows: rows_of.clone(),
                                templates: templates.clone(),
                            },
                        ));
                    }
                }
                k => return Err(format!("line {}: kind {k}", i + 2)),
            }
        }
        Ok(Vocabulary { rows, columns })
    }

    /// Rows of a section in a template, in report order.
    pub fn rows(&self, t: Template, s: Section) -> impl Iterator<Item = &RowDef> {
        self.rows
            .iter()
            .filter(move |(tt, r)| *tt == t && r.section == s)
            .map(|(_, r)| r)
    }

    /// Columns of a section in a template, in report order.
    pub fn columns(&self, t: Template, s: Section) -> impl Iterator<Item = &ColumnDef> {
        self.columns
            .iter()
            .filter(move |(tt, c)| *tt == t && c.section == s)
            .map(|(_, c)| c)
    }

    /// The columns a row has in a template, in report order.
    pub fn columns_for<'a>(&'a self, t: Template, row: &'a RowDef) -> Vec<&'a ColumnDef> {
        self.columns(t, row.section)
            .filter(|c| c.applies_to(row.key))
            .collect()
    }

    /// The cell keys of a row in a template, in column order (`columns_for`, as keys; built
    /// once).
    pub fn row_keys(&self, t: Template, row: &RowDef) -> &'static [&'static str] {
        index()
            .by_row
            .get(&(t, row.section, row.key))
            .map_or(&[], |k| k.as_slice())
    }

    /// The cell with a canonical key, in whichever template has it.
    pub fn cell(&self, key: &str) -> Option<CellDef> {
        index().by_key.get(key).copied()
    }

    /// The interned canonical key of a section's row and column, without building a string;
    /// `None` when no template has that cell.
    pub fn key(&self, section: Section, row: &str, column: &str) -> Option<&'static str> {
        index().by_parts.get(&(section, row, column)).copied()
    }

    /// Every canonical key of both templates, in a stable order (2019 first, then what 2021
    /// adds): the columns of the wide table.
    pub fn all_keys(&self) -> &'static [&'static str] {
        &index().all
    }

    /// The identities of a template as linear equations over cell keys (built once per
    /// template and shape of part 三 （六）, then shared).
    pub fn identities(&self, t: Template, other: OtherRows) -> &'static [Identity] {
        static CACHE: OnceLock<Vec<Vec<Identity>>> = OnceLock::new();
        const OTHERS: [OtherRows; 3] = [OtherRows::Items, OtherRows::Single, OtherRows::Both];
        let all = CACHE.get_or_init(|| {
            let v = Vocabulary::get();
            [Template::Y2019, Template::Y2021]
                .iter()
                .flat_map(|&t| OTHERS.iter().map(move |&o| v.build_identities(t, o)))
                .collect()
        });
        let ti = usize::from(t == Template::Y2021);
        let oi = OTHERS.iter().position(|&o| o == other).unwrap_or(0);
        &all[ti * OTHERS.len() + oi]
    }

    fn build_identities(&self, t: Template, other: OtherRows) -> Vec<Identity> {
        let mut out = Vec::new();
        let intern = |s: Section, r: &str, c: &str| {
            self.key(s, r, c)
                .unwrap_or_else(|| panic!("identity over an unknown cell {s:?}.{r}.{c}"))
        };
        let k3 = |r: &str, c: &str| intern(Section::S3, r, c);
        let s3_rows: Vec<&RowDef> = self.rows(t, Section::S3).collect();
        let s3_cols: Vec<&ColumnDef> = self.columns(t, Section::S3).collect();
        let is_other_item = |k: &str| {
            matches!(
                k,
                "other_no_correction" | "other_fee_unpaid" | "other_other"
            )
        };
        let present = |k: &str| match other {
            OtherRows::Items => k != "other_processing",
            OtherRows::Single => !is_other_item(k),
            OtherRows::Both => true,
        };
        let outcome_rows: Vec<&str> = s3_rows
            .iter()
            .map(|r| r.key)
            .filter(|k| {
                !matches!(
                    *k,
                    "received_new" | "carried_over" | "results_total" | "carried_forward"
                )
            })
            .filter(|k| present(k))
            .filter(|k| !(other == OtherRows::Both && *k == "other_processing"))
            .collect();
        for c in &s3_cols {
            out.push(Identity {
                rule: rule::S3_BALANCE,
                lhs: vec![k3("received_new", c.key), k3("carried_over", c.key)],
                rhs: vec![k3("results_total", c.key), k3("carried_forward", c.key)],
            });
            out.push(Identity {
                rule: rule::S3_RESULTS_SUM,
                lhs: vec![k3("results_total", c.key)],
                rhs: outcome_rows.iter().map(|r| k3(r, c.key)).collect(),
            });
            if other == OtherRows::Both {
                out.push(Identity {
                    rule: rule::S3_OTHER_GROUP,
                    lhs: vec![k3("other_processing", c.key)],
                    rhs: ["other_no_correction", "other_fee_unpaid", "other_other"]
                        .iter()
                        .map(|r| k3(r, c.key))
                        .collect(),
                });
            }
        }
        for r in s3_rows.iter().filter(|r| present(r.key)) {
            out.push(Identity {
                rule: rule::S3_ROW_TOTAL,
                lhs: vec![k3(r.key, "total")],
                rhs: s3_cols
                    .iter()
                    .filter(|c| c.key != "total")
                    .map(|c| k3(r.key, c.key))
                    .collect(),
            });
        }
        for r in self.rows(t, Section::S4) {
            let k4 = |c: &str| intern(Section::S4, r.key, c);
            out.push(Identity {
                rule: rule::S4_ROW_TOTAL,
                lhs: vec![k4("total")],
                rhs: ["upheld", "corrected", "other", "pending"]
                    .iter()
                    .map(|c| k4(c))
                    .collect(),
            });
        }
        out
    }
}

/// A hash map with a fast, fixed hasher (foldhash): cell keys and labels are looked up
/// millions of times per run, where std's SipHash (made to resist hostile keys) showed in
/// profiles. Fixed, so a run never depends on a random seed.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// Key → cell over both templates, the same by (section, row, column), and every key in a
/// stable order (2019 first). Keys are leaked once: the vocabulary lives for the whole run.
struct Index {
    by_key: FastMap<&'static str, CellDef>,
    by_parts: FastMap<(Section, &'static str, &'static str), &'static str>,
    /// (template, section, row) → the row's cell keys in column order.
    by_row: FastMap<(Template, Section, &'static str), Vec<&'static str>>,
    all: Vec<&'static str>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let v = Vocabulary::get();
        let mut ix = Index {
            by_key: FastMap::default(),
            by_parts: FastMap::default(),
            by_row: FastMap::default(),
            all: Vec::new(),
        };
        for t in Template::ALL {
            for s in Section::ALL {
                for r in v.rows(t, s) {
                    for c in v.columns_for(t, r) {
                        let key = match ix.by_parts.get(&(s, r.key, c.key)) {
                            Some(&key) => key,
                            None => {
                                let key: &'static str =
                                    Box::leak(cell_key(s, r.key, c.key).into_boxed_str());
                                ix.by_parts.insert((s, r.key, c.key), key);
                                ix.by_key.insert(
                                    key,
                                    CellDef {
                                        key,
                                        row: r,
                                        column: c,
                                        position: ix.all.len(),
                                    },
                                );
                                ix.all.push(key);
                                key
                            }
                        };
                        ix.by_row.entry((t, s, r.key)).or_default().push(key);
                    }
                }
            }
        }
        ix
    })
}

/// A number as reports and messages write it: whole numbers without a fraction (`12`, not
/// `12.0`), others as they are (`7730.28`).
pub fn fmt_number(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_applicant_columns_and_item_rows_are_the_vocabularys() {
        let v = Vocabulary::get();
        for t in [Template::Y2019, Template::Y2021] {
            let cols: Vec<&str> = v.columns(t, Section::S3).map(|c| c.key).collect();
            assert_eq!(cols, S3_APPLICANTS, "{t:?}");
        }
        let rows: Vec<&str> = v
            .rows(Template::Y2019, Section::S2)
            .map(|r| r.key)
            .collect();
        for r in S2_ITEM_ROWS {
            assert!(rows.contains(&r), "{r}");
        }
    }

    #[test]
    fn each_cell_knows_its_position_in_all_keys() {
        let v = Vocabulary::get();
        for (i, k) in v.all_keys().iter().enumerate() {
            assert_eq!(v.cell(k).unwrap().position, i, "{k}");
        }
    }

    #[test]
    fn row_keys_are_the_keys_of_columns_for() {
        let v = Vocabulary::get();
        for t in Template::ALL {
            for s in Section::ALL {
                for r in v.rows(t, s) {
                    let want: Vec<&str> = v
                        .columns_for(t, r)
                        .iter()
                        .map(|c| v.key(s, r.key, c.key).unwrap())
                        .collect();
                    assert!(!want.is_empty());
                    assert_eq!(v.row_keys(t, r), want.as_slice(), "{t:?} {}", r.key);
                }
            }
        }
    }

    #[test]
    fn templates_have_the_official_shape() {
        let v = Vocabulary::get();
        let count = |t| {
            Section::ALL
                .iter()
                .flat_map(|&s| v.rows(t, s))
                .map(|r| v.columns_for(t, r).len())
                .sum::<usize>()
        };
        // 2021: s2 10 cells; s3 26 rows (incl. the optional 其他处理 row) × 7; s4 15.
        assert_eq!(count(Template::Y2021), 10 + 26 * 7 + 15);
        // 2019: s2 22 cells; s3 23 rows × 7; s4 15.
        assert_eq!(count(Template::Y2019), 22 + 23 * 7 + 15);
    }

    #[test]
    fn keys_resolve_to_labels() {
        let v = Vocabulary::get();
        let c = v.cell("s2.normative_document.in_force").unwrap();
        assert_eq!(c.column.label, "现行有效件数");
        assert!(c.column.matches.contains(&"现有有效件数"));
        assert_eq!(
            v.cell("s2.central_procurement.amount").unwrap().column.kind,
            ValueKind::Amount
        );
        assert!(v.cell("s3.nope.total").is_none());
        // Unique and stable.
        let mut keys = v.all_keys().to_vec();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n);
    }

    #[test]
    fn identities_sum_outcomes_and_rows() {
        let v = Vocabulary::get();
        let ids = v.identities(Template::Y2021, OtherRows::Items);
        let sum = ids
            .iter()
            .find(|i| i.rule == "s3_results_sum" && i.lhs[0] == "s3.results_total.total")
            .unwrap();
        // （一）（二）, 8 + 3 + 5 items, 3 items of （六）.
        assert_eq!(sum.rhs.len(), 2 + 8 + 3 + 5 + 3);
        assert!(!sum.rhs.iter().any(|k| k.contains("other_processing")));
        let single = v.identities(Template::Y2021, OtherRows::Single);
        let sum = single.iter().find(|i| i.rule == "s3_results_sum").unwrap();
        assert!(sum.rhs.iter().any(|k| k.contains("other_processing")));
        assert_eq!(sum.rhs.len(), 2 + 8 + 3 + 5 + 1);
        let vals = |k: &str| {
            if k == "s4.administrative_review.total" {
                Some(3.0)
            } else {
                Some(1.0)
            }
        };
        let id = ids
            .iter()
            .find(|i| i.lhs[0] == "s4.administrative_review.total")
            .unwrap();
        assert_eq!(id.residual(vals), Some(-1.0));
    }
}
