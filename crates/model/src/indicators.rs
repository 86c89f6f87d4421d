//! The `indicators` table (issue 29.3): the rates every analyst recomputes, defined once.
//!
//! Each [`Indicator`] of the [`CATALOGUE`] names its formula over canonical cell keys; the
//! table's schema, the data dictionary and the validation's findings are all built from it.
//! An indicator is null when an input is null (never a silent 0); a rate whose denominator is
//! 0 is null too, and validation reports it (`indicator_undefined`). Where the formats differ
//! (（六）其他处理: one 2019 row, three 2021 items) a term lists both ways of reading it and
//! takes the one the report's table has.
//!
//! ```
//! use nianbao_model::indicators::{evaluate, Outcome, CATALOGUE};
//! let grant = CATALOGUE.iter().find(|i| i.name == "grant_rate").unwrap();
//! let cells = [("s3.granted.total", 30.0), ("s3.results_total.total", 40.0)];
//! let val = |k: &str| cells.iter().find(|c| c.0 == k).map(|c| c.1);
//! assert_eq!(evaluate(grant, &|k| val(k).is_some(), &val), Outcome::Value(0.75));
//! ```

use std::sync::{Arc, OnceLock};

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int32Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Schema, SchemaRef};

use crate::batch::field;
use crate::Report;

/// A sum of cells: the first way of reading it whose keys the report's table has (every key
/// of it must be known).
type Terms = &'static [&'static [&'static str]];

/// How an indicator is computed.
#[derive(Debug, Clone, Copy)]
pub enum Calc {
    /// A sum of cells.
    Sum(Terms),
    /// A ratio of two sums, times a scale (1 for a rate, 100 for "per 100").
    Ratio(Terms, Terms, f64),
}

/// One indicator: its column name, its formula in words and keys, and what it means.
#[derive(Debug, Clone, Copy)]
pub struct Indicator {
    /// The column of the `indicators` table.
    pub name: &'static str,
    /// The formula, as the data dictionary shows it.
    pub formula: &'static str,
    /// How it is computed.
    pub calc: Calc,
}

const RESULTS: Terms = &[&["s3.results_total.total"]];
const NEW: Terms = &[&["s3.received_new.total"]];
const DENIED: [&str; 8] = [
    "s3.denied_state_secret.total",
    "s3.denied_prohibited_by_law.total",
    "s3.denied_security_stability.total",
    "s3.denied_third_party_rights.total",
    "s3.denied_internal_affairs.total",
    "s3.denied_process_information.total",
    "s3.denied_enforcement_files.total",
    "s3.denied_administrative_inquiry.total",
];

/// Every indicator, in the table's column order.
pub const CATALOGUE: [Indicator; 22] = [
    Indicator {
        name: "applications_new",
        formula: "一、本年新收 总计 (`s3.received_new.total`)",
        calc: Calc::Sum(NEW),
    },
    Indicator {
        name: "applications_carried_over",
        formula: "二、上年结转 总计 (`s3.carried_over.total`)",
        calc: Calc::Sum(&[&["s3.carried_over.total"]]),
    },
    Indicator {
        name: "applications_total",
        formula: "新收 + 上年结转 (`s3.received_new.total + s3.carried_over.total`)",
        calc: Calc::Sum(&[&["s3.received_new.total", "s3.carried_over.total"]]),
    },
    Indicator {
        name: "grant_rate",
        formula: "（一）予以公开 / （七）总计 (`s3.granted.total / s3.results_total.total`)",
        calc: Calc::Ratio(&[&["s3.granted.total"]], RESULTS, 1.0),
    },
    Indicator {
        name: "partial_grant_rate",
        formula: "（二）部分公开 / （七）总计",
        calc: Calc::Ratio(&[&["s3.partially_granted.total"]], RESULTS, 1.0),
    },
    Indicator {
        name: "denial_rate",
        formula: "（三）不予公开 (the sum of its 8 reasons) / （七）总计",
        calc: Calc::Ratio(&[&DENIED], RESULTS, 1.0),
    },
    Indicator {
        name: "denial_state_secret_rate",
        formula: "（三）1.属于国家秘密 / （七）总计",
        calc: Calc::Ratio(&[&[DENIED[0]]], RESULTS, 1.0),
    },
    Indicator {
        name: "denial_prohibited_by_law_rate",
        formula: "（三）2.其他法律行政法规禁止公开 / （七）总计",
        calc: Calc::Ratio(&[&[DENIED[1]]], RESULTS, 1.0),
    },
    Indicator {
        name: "denial_security_stability_rate",
        formula: "（三）3.危及“三安全一稳定” / （七）总计",
        calc: Calc::Ratio(&[&[DENIED[2]]], RESULTS, 1.0),
    },
    Indicator {
        name: "denial_third_party_rights_rate",
        formula: "（三）4.保护第三方合法权益 / （七）总计",
        calc: Calc::Ratio(&[&[DENIED[3]]], RESULTS, 1.0),
    },
    Indicator {
        name: "denial_internal_affairs_rate",
        formula: "（三）5.属于三类内部事务信息 / （七）总计",
        calc: Calc::Ratio(&[&[DENIED[4]]], RESULTS, 1.0),
    },
    Indicator {
        name: "denial_process_information_rate",
        formula: "（三）6.属于四类过程性信息 / （七）总计",
        calc: Calc::Ratio(&[&[DENIED[5]]], RESULTS, 1.0),
    },
    Indicator {
        name: "denial_enforcement_files_rate",
        formula: "（三）7.属于行政执法案卷 / （七）总计",
        calc: Calc::Ratio(&[&[DENIED[6]]], RESULTS, 1.0),
    },
    Indicator {
        name: "denial_administrative_inquiry_rate",
        formula: "（三）8.属于行政查询事项 / （七）总计",
        calc: Calc::Ratio(&[&[DENIED[7]]], RESULTS, 1.0),
    },
    Indicator {
        name: "unable_rate",
        formula: "（四）无法提供 (the sum of its 3 items) / （七）总计",
        calc: Calc::Ratio(
            &[&[
                "s3.unable_not_held.total",
                "s3.unable_needs_creation.total",
                "s3.unable_unclear.total",
            ]],
            RESULTS,
            1.0,
        ),
    },
    Indicator {
        name: "not_processed_rate",
        formula: "（五）不予处理 (the sum of its 5 items) / （七）总计",
        calc: Calc::Ratio(
            &[&[
                "s3.not_processed_petition.total",
                "s3.not_processed_duplicate.total",
                "s3.not_processed_publication.total",
                "s3.not_processed_mass_repeated.total",
                "s3.not_processed_confirmation.total",
            ]],
            RESULTS,
            1.0,
        ),
    },
    Indicator {
        name: "other_processing_rate",
        formula:
            "（六）其他处理 / （七）总计: the 2019 row, or the sum of the 2021 format's three items",
        calc: Calc::Ratio(
            &[
                &["s3.other_processing.total"],
                &[
                    "s3.other_no_correction.total",
                    "s3.other_fee_unpaid.total",
                    "s3.other_other.total",
                ],
            ],
            RESULTS,
            1.0,
        ),
    },
    Indicator {
        name: "review_per_100_applications",
        formula: "行政复议 总计 × 100 / 一、本年新收 总计",
        calc: Calc::Ratio(&[&["s4.administrative_review.total"]], NEW, 100.0),
    },
    Indicator {
        name: "litigation_per_100_applications",
        formula: "行政诉讼 总计 (未经复议直接起诉 + 复议后起诉) × 100 / 一、本年新收 总计",
        calc: Calc::Ratio(
            &[&[
                "s4.litigation_direct.total",
                "s4.litigation_after_review.total",
            ]],
            NEW,
            100.0,
        ),
    },
    Indicator {
        name: "review_correction_rate",
        formula: "行政复议 结果纠正 / 行政复议 总计",
        calc: Calc::Ratio(
            &[&["s4.administrative_review.corrected"]],
            &[&["s4.administrative_review.total"]],
            1.0,
        ),
    },
    Indicator {
        name: "litigation_correction_rate",
        formula: "行政诉讼 结果纠正 / 行政诉讼 总计 (both kinds of suit)",
        calc: Calc::Ratio(
            &[&[
                "s4.litigation_direct.corrected",
                "s4.litigation_after_review.corrected",
            ]],
            &[&[
                "s4.litigation_direct.total",
                "s4.litigation_after_review.total",
            ]],
            1.0,
        ),
    },
    Indicator {
        name: "carry_forward_rate",
        formula: "四、结转下年度继续办理 / (新收 + 上年结转)",
        calc: Calc::Ratio(
            &[&["s3.carried_forward.total"]],
            &[&["s3.received_new.total", "s3.carried_over.total"]],
            1.0,
        ),
    },
];

/// What an indicator comes to for one report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// Its value.
    Value(f64),
    /// An input is null (or the report's table has none of a term's ways of reading it).
    Null,
    /// A rate whose denominator is 0.
    ZeroDenominator,
}

fn sum(terms: Terms, has: &dyn Fn(&str) -> bool, val: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
    let keys = terms.iter().find(|ks| ks.iter().all(|k| has(k)))?;
    keys.iter().map(|k| val(k)).sum()
}

/// Evaluates `ind` over a report's cells: `has` says whether its table has a key, `val` gives
/// the key's value (null when unknown).
pub fn evaluate(
    ind: &Indicator,
    has: &dyn Fn(&str) -> bool,
    val: &dyn Fn(&str) -> Option<f64>,
) -> Outcome {
    match ind.calc {
        Calc::Sum(t) => sum(t, has, val).map_or(Outcome::Null, Outcome::Value),
        Calc::Ratio(n, d, scale) => match (sum(n, has, val), sum(d, has, val)) {
            (Some(_), Some(0.0)) => Outcome::ZeroDenominator,
            (Some(n), Some(d)) => Outcome::Value(n * scale / d),
            _ => Outcome::Null,
        },
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn ymd(s: &str) -> Option<(i64, i64, i64)> {
    let mut it = s.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    Some((it.next()??, it.next()??, it.next()??))
}

/// The statutory deadline of a report (PORTALS.md, "Deadlines"; 条例 article 49, 2019
/// revision): a government's own report (`…人民政府`) by 31 March of the next year, a
/// department's by 31 January; `None` without an agency or a year.
pub fn deadline(r: &Report) -> Option<String> {
    let (agency, year) = (r.agency.as_deref()?, r.report_year?);
    let government = agency.ends_with("人民政府") || agency.ends_with("政府");
    Some(if government {
        format!("{}-03-31", year + 1)
    } else {
        format!("{}-01-31", year + 1)
    })
}

/// Days between the deadline and `published_on` (positive: late), when both are known.
pub fn days_after_deadline(r: &Report) -> Option<i32> {
    let (y, m, d) = ymd(&deadline(r)?)?;
    let (py, pm, pd) = ymd(r.published_on.as_deref()?)?;
    i32::try_from(days(py, pm, pd) - days(y, m, d)).ok()
}

/// Schema of `indicators`: one row per report.
pub fn indicators_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let mut f = vec![
                field("report_id", DataType::Utf8, false, "The report (`reports.report_id`)."),
                crate::batch::document_field(),
                field("agency_key", DataType::Utf8, true, "The agency's identity across years (`reports.agency_key`)."),
                field("report_year", DataType::Int32, true, "The year the report covers."),
                field("template", DataType::Utf8, true, "National table format: 2019 or 2021."),
            ];
            for ind in &CATALOGUE {
                let about = match ind.calc {
                    Calc::Sum(_) => format!("{}; null when unknown.", ind.formula),
                    Calc::Ratio(..) => format!("{}; null when an input is unknown or the denominator is 0 (finding `indicator_undefined`).", ind.formula),
                };
                f.push(field(ind.name, DataType::Float64, true, &about));
            }
            f.extend([
                field("deadline", DataType::Utf8, true, "The statutory deadline (条例 article 49): 31 January of the next year for a department's report, 31 March for a government's own (`…人民政府`); YYYY-MM-DD."),
                field("days_after_deadline", DataType::Int32, true, "`published_on` minus `deadline`, in days (negative: early); null when either is unknown."),
                field("on_time", DataType::Boolean, true, "Whether `published_on` is on or before `deadline`; null when either is unknown."),
            ]);
            Arc::new(Schema::new(f))
        })
        .clone()
}

/// `indicators` rows of reports.
pub fn indicators_batch(reports: &[Report]) -> Result<RecordBatch, ArrowError> {
    let mut id = StringBuilder::new();
    let mut doc = StringBuilder::new();
    let mut key = StringBuilder::new();
    let mut year = Int32Builder::new();
    let mut tpl = StringBuilder::new();
    let mut vals: Vec<Float64Builder> = CATALOGUE.iter().map(|_| Float64Builder::new()).collect();
    let mut dl = StringBuilder::new();
    let mut late = Int32Builder::new();
    let mut on_time = BooleanBuilder::new();
    for r in reports {
        id.append_value(&r.source.report_id);
        doc.append_value(&r.source.document);
        key.append_option(r.agency_key());
        year.append_option(r.report_year);
        tpl.append_option(r.template.map(|t| t.as_str()));
        let has = |k: &str| r.cell(k).is_some();
        let val = |k: &str| r.cell(k).and_then(|c| c.value);
        for (b, ind) in vals.iter_mut().zip(&CATALOGUE) {
            match evaluate(ind, &has, &val) {
                Outcome::Value(v) => b.append_value(v),
                _ => b.append_null(),
            }
        }
        dl.append_option(deadline(r));
        let d = days_after_deadline(r);
        late.append_option(d);
        on_time.append_option(d.map(|d| d <= 0));
    }
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(id.finish()),
        Arc::new(doc.finish()),
        Arc::new(key.finish()),
        Arc::new(year.finish()),
        Arc::new(tpl.finish()),
    ];
    for mut b in vals {
        cols.push(Arc::new(b.finish()));
    }
    cols.push(Arc::new(dl.finish()));
    cols.push(Arc::new(late.finish()));
    cols.push(Arc::new(on_time.finish()));
    RecordBatch::try_new(indicators_schema(), cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_null_when_an_input_is_null_and_undefined_at_zero() {
        let r = |k: &str| CATALOGUE.iter().find(|i| i.name == k).unwrap();
        let cells = [
            ("s3.granted.total", Some(3.0)),
            ("s3.partially_granted.total", None),
            ("s3.results_total.total", Some(4.0)),
            ("s4.administrative_review.total", Some(0.0)),
            ("s4.administrative_review.corrected", Some(0.0)),
            ("s3.received_new.total", Some(8.0)),
            ("s3.other_no_correction.total", Some(1.0)),
            ("s3.other_fee_unpaid.total", Some(0.0)),
            ("s3.other_other.total", Some(0.0)),
        ];
        let has = |k: &str| cells.iter().any(|c| c.0 == k);
        let val = |k: &str| cells.iter().find(|c| c.0 == k).and_then(|c| c.1);
        assert_eq!(evaluate(r("grant_rate"), &has, &val), Outcome::Value(0.75));
        assert_eq!(evaluate(r("partial_grant_rate"), &has, &val), Outcome::Null);
        assert_eq!(
            evaluate(r("review_correction_rate"), &has, &val),
            Outcome::ZeroDenominator
        );
        assert_eq!(
            evaluate(r("review_per_100_applications"), &has, &val),
            Outcome::Value(0.0)
        );
        // 2021's three （六） items when the table has no 2019 row
        assert_eq!(
            evaluate(r("other_processing_rate"), &has, &val),
            Outcome::Value(0.25)
        );
        assert_eq!(evaluate(r("denial_rate"), &has, &val), Outcome::Null);
    }

    #[test]
    fn the_deadline_depends_on_who_reports() {
        let mut r = Report::empty(crate::Source::default(), crate::Format::Text);
        r.report_year = Some(2024);
        r.agency = Some("淮安市人民政府".into());
        r.published_on = Some("2025-03-31".into());
        assert_eq!(deadline(&r).as_deref(), Some("2025-03-31"));
        assert_eq!(days_after_deadline(&r), Some(0));
        r.agency = Some("淮安市科学技术局".into());
        assert_eq!(deadline(&r).as_deref(), Some("2025-01-31"));
        assert_eq!(days_after_deadline(&r), Some(59));
        r.published_on = Some("2025-01-20".into());
        assert_eq!(days_after_deadline(&r), Some(-11));
        r.published_on = None;
        assert_eq!(days_after_deadline(&r), None);
        assert_eq!(days(1970, 1, 1), 0);
        assert_eq!(days(2024, 3, 1) - days(2024, 2, 28), 2);
    }
}
