//! Part 一 against the tables: the numbers the prose states (`予以公开及部分公开258件`,
//! `行政复议7件，诉讼9件，均获维持`) checked against the cells they summarise.
//!
//! Each claim is a phrase, a pattern that captures the stated number in one clause, and the
//! cell keys whose sum the phrase names. A clause that compares with another year (去年, 上年,
//! 同比, 较) is skipped, and so is a claim whose cells are not all known: the check only
//! reports a contradiction between two things the document states.

use nianbao_vocab::fmt_number;
use nianbao_vocab::rules::name as rule;
use std::collections::HashMap;
use std::sync::OnceLock;

use nianbao_model::Finding;
use nianbao_vocab::{Section, Template, Vocabulary};
use regex::Regex;

/// A kind of statement part 一 makes about the tables.
struct Claim {
    phrase: &'static str,
    pattern: &'static str,
    /// s3 row keys whose `total` cells the phrase sums (all rows starting with a prefix
    /// when the key ends in `*`), or s4 cell keys.
    keys: &'static [&'static str],
}

const CLAIMS: &[Claim] = &[
    Claim {
        phrase: "新收申请",
        pattern: r"(?:新收|受理|收到)[^\d，。；,;]{0,14}申请[^\d，。；,;]{0,4}?(\d+)件",
        keys: &["s3.received_new.total"],
    },
    Claim {
        phrase: "予以公开及部分公开",
        pattern: r"予以公开(?:及|和|、|与)部分公开[^\d，。；,;]{0,4}?(\d+)件",
        keys: &["s3.granted.total", "s3.partially_granted.total"],
    },
    Claim {
        phrase: "予以公开",
        pattern: r"(?:^|[^及和、与])予以公开[^\d，。；,;及和、与]{0,4}?(\d+)件",
        keys: &["s3.granted.total"],
    },
    Claim {
        phrase: "部分公开",
        pattern: r"(?:^|[^及和、与])部分公开[^\d，。；,;]{0,4}?(\d+)件",
        keys: &["s3.partially_granted.total"],
    },
    Claim {
        phrase: "不予公开",
        pattern: r"不予公开[^\d，。；,;]{0,4}?(\d+)件",
        keys: &["s3.denied_*"],
    },
    Claim {
        phrase: "无法提供",
        pattern: r"无法提供[^\d，。；,;]{0,4}?(\d+)件",
        keys: &["s3.unable_*"],
    },
    Claim {
        phrase: "不予处理",
        pattern: r"不予处理[^\d，。；,;]{0,4}?(\d+)件",
        keys: &["s3.not_processed_*"],
    },
    Claim {
        phrase: "行政复议",
        pattern: r"行政复议[^\d，。；,;]{0,4}?(\d+)件",
        keys: &["s4.administrative_review.total"],
    },
    Claim {
        phrase: "行政诉讼",
        pattern: r"诉讼[^\d，。；,;]{0,4}?(\d+)件",
        keys: &[
            "s4.litigation_direct.total",
            "s4.litigation_after_review.total",
        ],
    },
];

fn patterns() -> &'static [Regex] {
    static P: OnceLock<Vec<Regex>> = OnceLock::new();
    P.get_or_init(|| {
        CLAIMS
            .iter()
            .map(|c| Regex::new(c.pattern).expect("static regex"))
            .collect()
    })
}

fn upheld_re() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| {
        Regex::new(r"(?:均|全部|都)(?:获|被|予以|予)?(?:维持|胜诉)").expect("static regex")
    })
}

fn keys_of(template: Template, pattern: &str) -> Vec<String> {
    let v = Vocabulary::get();
    match pattern.strip_suffix('*') {
        Some(prefix) => {
            let row_prefix = prefix.trim_start_matches("s3.");
            v.rows(template, Section::S3)
                .filter(|r| r.key.starts_with(row_prefix))
                .map(|r| format!("s3.{}.total", r.key))
                .collect()
        }
        None => vec![pattern.to_owned()],
    }
}

/// Checks the part 一 text of one report against its cell values.
pub fn check_prose(
    part1: &str,
    template: Template,
    value: &dyn Fn(&str) -> Option<f64>,
) -> Vec<Finding> {
    let text: String = part1.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = Vec::new();
    let mut seen: HashMap<&str, ()> = HashMap::new();
    for clause in text.split(['，', '。', '；', ',', ';']) {
        if ["去年", "上年", "同比", "较"]
            .iter()
            .any(|w| clause.contains(w))
        {
            continue;
        }
        for (claim, re) in CLAIMS.iter().zip(patterns()) {
            let Some(c) = re.captures(clause) else {
                continue;
            };
            let Ok(stated) = c[1].parse::<f64>() else {
                continue;
            };
            if seen.insert(claim.phrase, ()).is_some() {
                continue;
            }
            let keys: Vec<String> = claim
                .keys
                .iter()
                .flat_map(|k| keys_of(template, k))
                .collect();
            let values: Option<Vec<f64>> = keys.iter().map(|k| value(k)).collect();
            let Some(values) = values else { continue };
            let sum: f64 = values.iter().sum();
            if (sum - stated).abs() > 1e-9 {
                let parts: Vec<String> = keys
                    .iter()
                    .zip(&values)
                    .filter(|(_, v)| **v != 0.0)
                    .map(|(k, v)| format!("{} {}", k, fmt_number(*v)))
                    .collect();
                out.push(
                    Finding::new(
                        rule::PROSE_MISMATCH,
                        format!(
                            "part 一 says {} {}, but the table gives {} ({})",
                            claim.phrase,
                            fmt_number(stated),
                            fmt_number(sum),
                            if parts.is_empty() {
                                "all 0".to_owned()
                            } else {
                                parts.join(" + ")
                            }
                        ),
                    )
                    .at_key(&keys[0])
                    .numbers(Some(sum), Some(stated)),
                );
            }
        }
    }
    // "均获维持": every case of the proceedings the sentence names was upheld.
    for sentence in text.split(['。', '；', ';']) {
        if !upheld_re().is_match(sentence) || sentence.contains("去年") {
            continue;
        }
        let mut rows = Vec::new();
        if sentence.contains("复议") {
            rows.push(("administrative_review", "行政复议"));
        }
        if sentence.contains("诉讼") {
            rows.push(("litigation_direct", "行政诉讼 未经复议直接起诉"));
            rows.push(("litigation_after_review", "行政诉讼 复议后起诉"));
        }
        let mut not_upheld = Vec::new();
        for (row, label) in rows {
            for (col, col_label) in [
                ("corrected", "结果纠正"),
                ("other", "其他结果"),
                ("pending", "尚未审结"),
            ] {
                if let Some(x) = value(&format!("s4.{row}.{col}")).filter(|x| *x > 0.0) {
                    not_upheld.push(format!("{} {label} {col_label}", fmt_number(x)));
                }
            }
        }
        if !not_upheld.is_empty() {
            let said = upheld_re()
                .find(sentence)
                .map_or("均获维持", |m| m.as_str());
            out.push(
                Finding::new(
                    rule::PROSE_MISMATCH,
                    format!(
                        "part 一 says the cases were all upheld ({said}), but part 四 lists {}",
                        not_upheld.join(", ")
                    ),
                )
                .at_row("行政复议"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stated_numbers_are_checked_against_the_cells() {
        let cells: HashMap<&str, f64> = [
            ("s3.received_new.total", 859.0),
            ("s3.granted.total", 272.0),
            ("s3.partially_granted.total", 3.0),
            ("s4.administrative_review.pending", 2.0),
            ("s4.litigation_direct.pending", 1.0),
        ]
        .into_iter()
        .collect();
        let value = |k: &str| cells.get(k).copied();
        let text = "共受理政府信息公开申请859件，申请数量较去年回落12.3%；予以公开及部分公开258件，占33.9%。行政复议7件，诉讼9件，均获维持。";
        let f = check_prose(text, Template::Y2019, &value);
        let msgs: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(
            msgs[0].contains("予以公开及部分公开 258, but the table gives 275"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].contains("2 行政复议 尚未审结, 1 行政诉讼 未经复议直接起诉 尚未审结"),
            "{msgs:?}"
        );
    }

    #[test]
    fn agreeing_or_comparative_statements_are_silent() {
        let value = |k: &str| (k == "s3.received_new.total").then_some(21.0);
        let text = "全区受理政府信息公开申请21件。较去年受理申请30件有所下降。";
        assert!(check_prose(text, Template::Y2021, &value).is_empty());
    }
}
