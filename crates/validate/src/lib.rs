//! Validation: every identity of the vocabulary, value checks and plausibility, and part 一's
//! numbers against the tables, one report at a time. What compares reports (duplicates, an
//! agency's years, the panel) is `nianbao-corpus`'s.
//!
//! **In:** the `reports`, `cells` and `sections` record batches of `nianbao_model::batch` (any number
//! of reports per batch; a report's cells are contiguous). **Out:** findings, each tied to its
//! report id. **Never:** changes a value: a broken identity is reported, not "fixed".
//!
//! ```
//! use nianbao_normalize::{batch, normalize, Source};
//! let text = "二、主动公开政府信息情况\n四、政府信息公开行政复议、行政诉讼情况\n\
//!             10\t1\t0\t0\t0\t0\t0\t0\t0\t0\t5\t0\t0\t0\t5\n五、存在的主要问题及改进情况\n";
//! let doc = nianbao_extract::read(text.as_bytes()).unwrap();
//! let r = normalize(&doc, Source { report_id: "r1".into(), ..Default::default() });
//! let rs = std::slice::from_ref(&r);
//! let found = nianbao_validate::check(
//!     &batch::reports_batch(rs).unwrap(),
//!     &batch::cells_batch(rs).unwrap(),
//!     &batch::sections_batch(rs).unwrap(),
//! ).unwrap();
//! use nianbao_vocab::rules::name as rule;
//! let f = found.iter().find(|(_, f)| f.rule == rule::S4_ROW_TOTAL).unwrap();
//! assert_eq!((f.1.expected, f.1.actual), (Some(11.0), Some(0.0)));
//! ```

pub mod prose;

use nianbao_vocab::fmt_number;
use nianbao_vocab::rules::name as rule;

use arrow_array::{Array, Float64Array, Int32Array, RecordBatch, StringArray, UInt8Array};
use nianbao_model::Finding;
use nianbao_vocab::{FastMap, OtherRows, Template, ValueKind, Vocabulary};

/// Why validation could not run.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// A batch does not have the declared schema.
    #[error(
        "the {table} batch has no usable column `{column}`: was it built by nianbao_model::batch?"
    )]
    Schema {
        /// Table name.
        table: &'static str,
        /// Column name.
        column: &'static str,
    },
}

fn col<'a, T: 'static>(
    b: &'a RecordBatch,
    table: &'static str,
    name: &'static str,
) -> Result<&'a T, ValidateError> {
    b.column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .ok_or(ValidateError::Schema {
            table,
            column: name,
        })
}

/// A cell as validation sees it, borrowed from the batch.
struct CellView<'a> {
    value: Option<f64>,
    raw: Option<&'a str>,
    status: &'a str,
    source: Option<&'a str>,
}

fn label(key: &str) -> String {
    match Vocabulary::get().cell(key) {
        Some(c) => format!("{} {}", c.row.label, c.column.label),
        None => key.to_owned(),
    }
}

/// Per-report checks over a chunk: identities, values, plausibility, and part 一's stated
/// numbers against the tables ([`prose`]). Returns `(report_id, finding)` pairs in cell order.
pub fn check(
    reports: &RecordBatch,
    cells: &RecordBatch,
    sections: &RecordBatch,
) -> Result<Vec<(String, Finding)>, ValidateError> {
    let s_id = col::<StringArray>(sections, "sections", "report_id")?;
    let s_part = col::<UInt8Array>(sections, "sections", "part")?;
    let s_text = col::<StringArray>(sections, "sections", "text")?;
    let part1: FastMap<&str, &str> = (0..sections.num_rows())
        .filter(|&i| s_part.value(i) == 1)
        .map(|i| (s_id.value(i), s_text.value(i)))
        .collect();
    let r_id = col::<StringArray>(reports, "reports", "report_id")?;
    let r_tpl = col::<StringArray>(reports, "reports", "template")?;
    let r_year = col::<Int32Array>(reports, "reports", "report_year")?;
    let meta: FastMap<&str, (Option<Template>, Option<i32>)> = (0..reports.num_rows())
        .map(|i| {
            let t = (!r_tpl.is_null(i))
                .then(|| Template::parse(r_tpl.value(i)))
                .flatten();
            let y = (!r_year.is_null(i)).then(|| r_year.value(i));
            (r_id.value(i), (t, y))
        })
        .collect();
    let id = col::<StringArray>(cells, "cells", "report_id")?;
    let key = col::<StringArray>(cells, "cells", "key")?;
    let value = col::<Float64Array>(cells, "cells", "value")?;
    let status = col::<StringArray>(cells, "cells", "status")?;
    let source = col::<StringArray>(cells, "cells", "source")?;
    let raw = col::<StringArray>(cells, "cells", "raw")?;
    let mut out = Vec::new();
    // plausibility per report
    for i in 0..reports.num_rows() {
        let (t, y) = meta[r_id.value(i)];
        if let (Some(t), Some(y)) = (t, y) {
            if t != Template::for_year(y) {
                let f = Finding::new(
                    rule::TEMPLATE_YEAR_MISMATCH,
                    format!("the report for {y} uses the {t} table format, but reports for {y} use the {} format", Template::for_year(y)),
                );
                out.push((r_id.value(i).to_owned(), f));
            }
        }
    }
    let n = cells.num_rows();
    let mut start = 0;
    while start < n {
        let rid = id.value(start);
        let mut end = start;
        while end < n && id.value(end) == rid {
            end += 1;
        }
        let mut grid: FastMap<&str, CellView> =
            FastMap::with_capacity_and_hasher(end - start, Default::default());
        for i in start..end {
            grid.insert(
                key.value(i),
                CellView {
                    value: (!value.is_null(i)).then(|| value.value(i)),
                    raw: (!raw.is_null(i)).then(|| raw.value(i)),
                    status: status.value(i),
                    source: (!source.is_null(i)).then(|| source.value(i)),
                },
            );
        }
        let template = meta.get(rid).and_then(|m| m.0).unwrap_or(Template::Y2021);
        check_report(rid, template, &grid, &mut out);
        check_indicators(rid, &grid, &mut out);
        if let Some(text) = part1.get(rid) {
            let val = |k: &str| grid.get(k).and_then(|c| c.value);
            for f in prose::check_prose(text, template, &val) {
                out.push((rid.to_owned(), f));
            }
        }
        start = end;
    }
    Ok(out)
}

/// The rates of the `indicators` table whose denominator is 0 for this report: null there,
/// and said here (`indicator_undefined`).
fn check_indicators(
    rid: &str,
    grid: &FastMap<&str, CellView<'_>>,
    out: &mut Vec<(String, Finding)>,
) {
    use nianbao_model::indicators::{evaluate, Outcome, CATALOGUE};
    let has = |k: &str| grid.contains_key(k);
    let val = |k: &str| grid.get(k).and_then(|c| c.value);
    // one finding per report naming every such rate
    let undefined: Vec<String> = CATALOGUE
        .iter()
        .filter(|ind| evaluate(ind, &has, &val) == Outcome::ZeroDenominator)
        .map(|ind| format!("{} ({})", ind.name, ind.formula))
        .collect();
    if !undefined.is_empty() {
        out.push((
            rid.to_owned(),
            Finding::new(
                rule::INDICATOR_UNDEFINED,
                format!(
                    "undefined (null) because the denominator is 0: {}",
                    undefined.join("; ")
                ),
            ),
        ));
    }
}

/// The checks of one report: every identity of its template, then every cell's value.
fn check_report(
    rid: &str,
    template: Template,
    grid: &FastMap<&str, CellView<'_>>,
    out: &mut Vec<(String, Finding)>,
) {
    check_identities(rid, template, grid, out);
    check_cells(rid, grid, out);
}

/// Every identity of the report's template (as its （六）其他处理 is given) that its numbers
/// break.
fn check_identities(
    rid: &str,
    template: Template,
    grid: &FastMap<&str, CellView<'_>>,
    out: &mut Vec<(String, Finding)>,
) {
    let v = Vocabulary::get();
    let other = OtherRows::of_cells(template, |k| {
        grid.get(k).is_some_and(|c| c.status != "missing")
    });
    let val = |k: &str| grid.get(k).and_then(|c| c.value);
    for id in v.identities(template, other) {
        let Some(res) = id.residual(val) else {
            continue;
        };
        if res.abs() < 1e-6 {
            continue;
        }
        let (expected, actual, msg) = broken(id, &val);
        let src = grid
            .get(id.lhs[0])
            .and_then(|c| c.source.map(str::to_owned));
        let part = if id.rule.starts_with("s4") {
            "part 四"
        } else {
            "part 三"
        };
        out.push((
            rid.to_owned(),
            Finding::new(id.rule, format!("{part}: {msg}"))
                .at_key(id.lhs[0])
                .numbers(Some(expected), Some(actual))
                .at(src),
        ));
    }
}

/// What a broken identity says: the expected and actual numbers, and the message.
fn broken(id: &nianbao_vocab::Identity, val: &dyn Fn(&str) -> Option<f64>) -> (f64, f64, String) {
    let v = Vocabulary::get();
    let l: f64 = id.lhs.iter().filter_map(|k| val(k)).sum();
    let r: f64 = id.rhs.iter().filter_map(|k| val(k)).sum();
    let terms = |ks: &[&str]| {
        ks.iter()
            .map(|k| fmt_number(val(k).unwrap_or(0.0)))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    if id.lhs.len() == 1 {
        let nonzero: Vec<String> = id
            .rhs
            .iter()
            .filter(|k| val(k).unwrap_or(0.0) != 0.0)
            .map(|k| {
                format!(
                    "{} {}",
                    fmt_number(val(k).unwrap_or(0.0)),
                    v.cell(k).map_or("", |c| {
                        if id.rule.starts_with("s3_results") || id.rule == rule::S3_OTHER_GROUP {
                            c.row.label
                        } else {
                            c.column.label
                        }
                    })
                )
            })
            .collect();
        (
            r,
            l,
            format!(
                "{} is {} but its parts add up to {} ({})",
                label(id.lhs[0]),
                fmt_number(l),
                fmt_number(r),
                if nonzero.is_empty() {
                    terms(&id.rhs)
                } else {
                    nonzero.join(" + ")
                }
            ),
        )
    } else {
        (
            r,
            l,
            format!(
                "{} + {} = {} but {} + {} = {}",
                label(id.lhs[0]),
                label(id.lhs[1]),
                fmt_number(l),
                label(id.rhs[0]),
                label(id.rhs[1]),
                fmt_number(r)
            ),
        )
    }
}

/// Every cell's value: below zero where only 本年增/减 may be, a count with a fraction, an
/// amount written in 元.
fn check_cells(rid: &str, grid: &FastMap<&str, CellView<'_>>, out: &mut Vec<(String, Finding)>) {
    let v = Vocabulary::get();
    // Per-cell checks. Their findings come in key order; only the findings are sorted (a
    // report has ~300 keys and few findings), stably, so a key's checks keep their order.
    let mut per_cell: Vec<(&str, Finding)> = Vec::new();
    for (&k, c) in grid {
        let Some(x) = c.value else { continue };
        let Some(def) = v.cell(k) else { continue };
        if def.column.kind != ValueKind::Signed && x < 0.0 {
            per_cell.push((
                k,
                Finding::new(
                    rule::NEGATIVE_VALUE,
                    format!("{} is {}, below zero", label(k), fmt_number(x)),
                )
                .at_key(k)
                .numbers(None, Some(x))
                .at(c.source.map(str::to_owned)),
            ));
        }
        // (the 万元 fee column is converted while reading, with its own finding)
        if def.column.kind == ValueKind::Amount && def.column.key != "amount_10k_yuan" {
            // The amount columns are in 万元; a cell written as `251000元` is in yuan.
            if let Some(r) = c.raw.filter(|r| r.contains('元') && !r.contains("万元")) {
                per_cell.push((
                    k,
                    Finding::new(
                        rule::AMOUNT_UNIT,
                        format!(
                            "part 二: the {} cell is written with its unit as {r} (yuan, not 万元); recorded as {} as written",
                            label(k),
                            fmt_number(x)
                        ),
                    )
                    .at_key(k)
                    .numbers(None, Some(x))
                    .at(c.source.map(str::to_owned)),
                ));
            }
        }
        if def.column.kind != ValueKind::Amount && x.fract() != 0.0 {
            per_cell.push((
                k,
                Finding::new(
                    rule::NON_INTEGER_COUNT,
                    format!(
                        "{} is {}, but counts are whole numbers",
                        label(k),
                        fmt_number(x)
                    ),
                )
                .at_key(k)
                .numbers(None, Some(x))
                .at(c.source.map(str::to_owned)),
            ));
        }
    }
    per_cell.sort_by_key(|(k, _)| *k);
    out.extend(per_cell.into_iter().map(|(_, f)| (rid.to_owned(), f)));
}
