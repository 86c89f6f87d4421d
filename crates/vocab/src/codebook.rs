//! The codebook (issue 29.2): every canonical cell key with what an analyst needs to read it —
//! its `cells_wide` column, its part, where it sits in the national table (the group path),
//! its Chinese row and column labels, its unit, the formats that have it, and what it
//! corresponds to in the other format. Written as `codebook.csv` into every dataset; built
//! from the vocabulary, so it never disagrees with the keys the reader writes.
//!
//! ```
//! let csv = nianbao_vocab::codebook::csv();
//! assert!(csv.starts_with("key,wide_column,part,"));
//! assert!(csv.contains("s3.other_other.total,s3_other_other_total,三,"));
//! ```

use crate::{ColumnDef, RowDef, Section, Template, ValueKind, Vocabulary};

/// The codebook's columns, with their meaning (the data dictionary lists them).
pub const COLUMNS: [(&str, &str); 12] = [
    ("key", "The canonical cell key (`cells.key`), `SECTION.ROW.COLUMN`."),
    ("wide_column", "Its column in `cells_wide` (and the panel's headline columns): the key with `_` for `.`."),
    ("part", "The part of the report: 二 (主动公开), 三 (申请), 四 (复议、诉讼)."),
    ("group", "Where the row sits in the national table: the 第二十条 item of part 二, the heading of part 三's outcome groups (三、本年度办理结果 / （三）不予公开 …), or part 四's proceeding."),
    ("row_label", "The row's official label."),
    ("column_group", "The column's heading above it (法人或其他组织 for its five columns), when it has one."),
    ("column_label", "The column's official label."),
    ("unit", "件 for counts (items, requests, decisions), 件 (±) for 本年增/减, 万元 for the fee amount; the 2019 procurement amount as printed (usually 万元)."),
    ("kind", "count, signed (may be negative) or amount (decimal)."),
    ("formats", "The national formats that have the cell: 2019 (国办公开办函〔2019〕60号), 2021 (〔2021〕30号), or both (2019;2021)."),
    ("corresponds_to", "The key that holds the closest quantity in the other format, when there is one."),
    ("note", "How close that correspondence is."),
];

/// The 2019 ↔ 2021 correspondences of keys that differ between the formats (the keys both
/// formats have are the same quantity): (2019 key, 2021 key, note).
const CORRESPONDENCES: [(&str, &str, &str); 6] = [
    (
        "s2.regulation.new_made",
        "s2.regulation.issued",
        "closest, not the same: 2019 counts documents newly made (本年新制作), 2021 rules issued (本年制发)",
    ),
    (
        "s2.regulation.published_total",
        "s2.regulation.in_force",
        "closest, not the same: 2019 counts all documents published (对外公开总数量), 2021 the rules in force (现行有效件数)",
    ),
    (
        "s2.normative_document.new_made",
        "s2.normative_document.issued",
        "closest, not the same: 2019 counts documents newly made (本年新制作), 2021 documents issued (本年制发)",
    ),
    (
        "s2.normative_document.published_total",
        "s2.normative_document.in_force",
        "closest, not the same: 2019 counts all documents published (对外公开总数量), 2021 the documents in force (现行有效件数)",
    ),
    (
        "s3.other_processing.total",
        "s3.other_no_correction.total + s3.other_fee_unpaid.total + s3.other_other.total",
        "the same quantity: 2019's single row （六）其他处理 is the sum of 2021's three items (likewise for every applicant column)",
    ),
    (
        "s2.admin_fee.prev_year_items",
        "",
        "no counterpart: 2021 reports the fee amount (本年收费金额), not the number of fee items",
    ),
];

/// The group path of a row (see [`COLUMNS`]).
fn group(t: Template, row: &RowDef) -> &'static str {
    match (row.section, row.key) {
        (Section::S2, "regulation" | "normative_document") => "第二十条第（一）项",
        (Section::S2, "licensing") => "第二十条第（五）项",
        (Section::S2, "other_external_service") => "第二十条第（五）项",
        (Section::S2, "punishment" | "enforcement") => "第二十条第（六）项",
        (Section::S2, "admin_fee") => "第二十条第（八）项",
        (Section::S2, "central_procurement") => "第二十条第（九）项",
        (Section::S3, "received_new" | "carried_over" | "carried_forward") => "",
        (Section::S3, k) if k.starts_with("denied_") => "三、本年度办理结果 / （三）不予公开",
        (Section::S3, k) if k.starts_with("unable_") => "三、本年度办理结果 / （四）无法提供",
        (Section::S3, k) if k.starts_with("not_processed_") => {
            "三、本年度办理结果 / （五）不予处理"
        }
        (Section::S3, "other_no_correction" | "other_fee_unpaid" | "other_other")
            if t == Template::Y2021 =>
        {
            "三、本年度办理结果 / （六）其他处理"
        }
        (Section::S3, _) => "三、本年度办理结果",
        (Section::S4, "administrative_review") => "行政复议",
        (Section::S4, _) => "行政诉讼",
        _ => "",
    }
}

/// The heading above a column (see [`COLUMNS`]).
fn column_group(column: &ColumnDef) -> &'static str {
    match (column.section, column.key) {
        (Section::S3, "natural_person" | "total") => "",
        (Section::S3, _) => "法人或其他组织",
        _ => "",
    }
}

/// The unit of a cell (see [`COLUMNS`]).
fn unit(column: &ColumnDef) -> &'static str {
    match (column.kind, column.key) {
        (ValueKind::Amount, "amount_10k_yuan") => "万元",
        (ValueKind::Amount, _) => "as printed (usually 万元)",
        (ValueKind::Signed, _) => "件 (±)",
        (ValueKind::Count, _) => "件",
    }
}

fn kind(k: ValueKind) -> &'static str {
    match k {
        ValueKind::Count => "count",
        ValueKind::Signed => "signed",
        ValueKind::Amount => "amount",
    }
}

/// One row of the codebook per canonical key, in the wide table's order.
pub fn rows() -> Vec<[String; 12]> {
    let v = Vocabulary::get();
    let mut out = Vec::new();
    for &key in v.all_keys() {
        let Some(cell) = v.cell(key) else { continue };
        let (row, column) = (cell.row, cell.column);
        let formats: Vec<&str> = [Template::Y2019, Template::Y2021]
            .into_iter()
            .filter(|&t| {
                v.rows(t, row.section)
                    .find(|r| r.key == row.key)
                    .is_some_and(|r| v.row_keys(t, r).contains(&key))
            })
            .map(Template::as_str)
            .collect();
        let first = if formats.first() == Some(&"2019") {
            Template::Y2019
        } else {
            Template::Y2021
        };
        // the correspondence, either way round; a part 三 row of another applicant column
        // corresponds like its 总计
        let (corr, note) = correspondence(key);
        let part = match row.section {
            Section::S2 => "二",
            Section::S3 => "三",
            Section::S4 => "四",
        };
        out.push([
            key.to_owned(),
            key.replace('.', "_"),
            part.to_owned(),
            group(first, row).to_owned(),
            row.label.to_owned(),
            column_group(column).to_owned(),
            column.label.to_owned(),
            unit(column).to_owned(),
            kind(column.kind).to_owned(),
            formats.join(";"),
            corr,
            note,
        ]);
    }
    out
}

/// The other format's key for `key`, and how close it is.
fn correspondence(key: &str) -> (String, String) {
    for (a, b, note) in CORRESPONDENCES {
        if key == a {
            return (b.to_owned(), note.to_owned());
        }
        if !b.is_empty() && key == b {
            return (a.to_owned(), note.to_owned());
        }
    }
    // part 三's （六） rows in another applicant column: the same correspondence
    let parts: Vec<&str> = key.split('.').collect();
    if let [s, r, c] = parts[..] {
        if s == "s3" && c != "total" {
            let items = ["other_no_correction", "other_fee_unpaid", "other_other"];
            if r == "other_processing" {
                let sum: Vec<String> = items.iter().map(|i| format!("s3.{i}.{c}")).collect();
                return (sum.join(" + "), CORRESPONDENCES[4].2.to_owned());
            }
            if items.contains(&r) {
                return (
                    format!("s3.other_processing.{c} (their sum)"),
                    CORRESPONDENCES[4].2.to_owned(),
                );
            }
        }
        if s == "s3"
            && c == "total"
            && ["other_no_correction", "other_fee_unpaid", "other_other"].contains(&r)
        {
            return (
                "s3.other_processing.total (their sum)".to_owned(),
                CORRESPONDENCES[4].2.to_owned(),
            );
        }
    }
    (String::new(), String::new())
}

/// `codebook.csv`: a header and one row per canonical key (UTF-8).
pub fn csv() -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS.iter().map(|(n, _)| *n))
        .expect("writing to memory");
    for r in rows() {
        w.write_record(&r).expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory")).expect("the fields are UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_one_row_with_its_labels_and_formats() {
        let v = Vocabulary::get();
        let rows = rows();
        assert_eq!(rows.len(), v.all_keys().len());
        let by_key = |k: &str| rows.iter().find(|r| r[0] == k).expect(k).clone();
        let r = by_key("s3.other_other.total");
        assert_eq!(r[1], "s3_other_other_total");
        assert_eq!(r[3], "三、本年度办理结果 / （六）其他处理");
        assert_eq!(r[4], "3.其他");
        assert_eq!(r[6], "总计");
        assert_eq!(r[9], "2021");
        assert_eq!(r[10], "s3.other_processing.total (their sum)");
        let r = by_key("s3.denied_state_secret.research_institution");
        assert_eq!(r[3], "三、本年度办理结果 / （三）不予公开");
        assert_eq!(r[5], "法人或其他组织");
        assert_eq!(r[9], "2019;2021");
        let r = by_key("s2.regulation.new_made");
        assert_eq!(
            (r[9].as_str(), r[10].as_str()),
            ("2019", "s2.regulation.issued")
        );
        assert_eq!(by_key("s2.regulation.issued")[10], "s2.regulation.new_made");
        assert_eq!(by_key("s2.admin_fee.amount_10k_yuan")[7], "万元");
        assert_eq!(by_key("s2.licensing.change")[8], "signed");
        assert_eq!(by_key("s4.litigation_direct.corrected")[3], "行政诉讼");
        // no empty label anywhere, and every key a format has
        for r in &rows {
            assert!(
                !r[4].is_empty() && !r[6].is_empty() && !r[9].is_empty(),
                "{r:?}"
            );
        }
    }
}
